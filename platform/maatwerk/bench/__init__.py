"""`make bench`: the figures behind the speed and memory targets (see __main__)."""
