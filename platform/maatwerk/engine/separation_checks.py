"""The upload's check of `maatwerk:separateFrom` (domain/four_eyes.py): on a task people
do, naming other elements of the same process."""
from __future__ import annotations

from collections.abc import Collection

from ..domain.four_eyes import PEOPLE_TASKS, SEPARATE_FROM, separated_from
from .model_upload import ModelUpload


def check(upload: ModelUpload, filename: str, element_id: str, element_type: str,
          properties: dict[str, str], all_ids: Collection[str | None]) -> None:
    if SEPARATE_FROM not in properties:
        return
    if element_type not in PEOPLE_TASKS:
        upload.problem(filename, element_id, f"{SEPARATE_FROM} belongs on a user task: only "
                       "a task a person claims and completes can be kept from whoever did "
                       "another step")
        return
    named = separated_from(properties)
    if not named:
        upload.problem(filename, element_id, f"{SEPARATE_FROM} names no element; give the "
                       "ids of the steps whose doers may not do this one")
    unknown = [name for name in named if name not in all_ids]
    if unknown:
        upload.problem(filename, element_id, f"{SEPARATE_FROM} names "
                       f"{', '.join(unknown)}, which this process does not have")
    if element_id in named:
        upload.problem(filename, element_id, f"{SEPARATE_FROM} names the task itself")
