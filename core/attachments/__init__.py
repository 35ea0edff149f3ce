"""Photos and attachments (照片、扫描件、文件) on any record an app registers (``registry``).

* ``models.Attachment``: one stored file and what the checks found (size, sniffed type, pixels,
  sha256), linked to its record by content type + object id.
* ``checks.prepare``: size cap, type by content sniffing, Pillow verify + re-encode + resize.
* ``services.attachment_add``: the one write; ``selectors``: scoped reads (the parent's own
  selector decides, so an attachment outside the scope is a 404).
* ``views`` / ``urls`` (``/attachments/``): download and thumbnail, the upload form's target;
  ``api.AttachmentsMixin``: ``/api/v1/<parent>/{id}/attachments/`` on a parent's viewset.
"""
