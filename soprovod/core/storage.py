"""The file storage of uploads (attachments, reports): Django's file-system storage, except
that a file it could not write whole is removed instead of left behind truncated.

Django's own ``FileSystemStorage._save`` writes chunk by chunk and, when the disk fills up
(``ENOSPC``), a quota runs out or the volume fails, raises with the partial file still on
disk: a file no row points to, and taking the space the next upload needs. Here the name
created by this very call is deleted before the error goes on (the file is opened with
``O_EXCL``, so it cannot be someone else's)."""

from __future__ import annotations

import contextlib

from django.core.files.storage import FileSystemStorage


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        existed = self.exists(name)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    self.delete(name)
            raise
