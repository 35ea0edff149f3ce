"""What an uploaded file must pass before anything is stored, the same for the page forms, the
phone report and the API (``services.attachment_add`` calls ``prepare``):

* size: at most ``settings.ATTACHMENTS["MAX_BYTES"]`` (10 MB by default);
* type by content, not by name: the first bytes must be a JPEG, PNG or WebP image, or a PDF;
  a ``.jpg`` that is HTML, a zip or anything else is refused;
* images: Pillow ``verify()``, then opened again and re-encoded as a fresh JPEG (no EXIF, no
  trailing bytes: a polyglot loses its second life), turned upright by its EXIF orientation and
  resized to at most ``MAX_SIDE`` px (1600) on the longer side, whatever the phone did; a
  thumbnail (``THUMB_SIDE``) is made from the same pixels; an image with more pixels than
  ``MAX_PIXELS`` (a decompression bomb) is refused before it is decoded;
* PDFs (the signed 调解协议书 scan) are kept as sent and only ever served as a download.

Every refusal is a ``DomainError`` on the ``file`` field with a message in Chinese."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError

from .models import Attachment

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
# the formats Pillow may name each sniffed type: a phone camera's JPEG is often a multi-picture
# one (MPO: the photo plus a preview), a JPEG for every purpose here
PIL_FORMATS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",), WEBP: ("WEBP",)}
# what each kind may be: a photo is an image; a scan or a document an image or a PDF
KIND_TYPES = {
    Attachment.Kind.PHOTO: IMAGE_TYPES,
    Attachment.Kind.SCAN: IMAGE_TYPES | {PDF},
    Attachment.Kind.DOCUMENT: IMAGE_TYPES | {PDF},
}


def limits() -> dict[str, int]:
    return settings.ATTACHMENTS


@dataclass(frozen=True)
class Prepared:
    """A file that passed the checks: the bytes to store and what is recorded about them."""

    content: bytes
    name: str  # sanitised original name (with the extension of what is stored)
    mime_type: str
    kind: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refuse(message: str) -> DomainError:
    return DomainError(message, field="file")


def sniff(head: bytes) -> str | None:
    """The type the first bytes show (magic numbers), or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


_UNSAFE = re.compile(r"[^\w.\- ()()]+", re.UNICODE)


def clean_name(name: str, *, extension: str) -> str:
    """The original name without folders, control characters or anything a header or a file
    system could misread; the extension is the stored type's, never the client's."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C")
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:80] or "attachment"
    return f"{stem}.{extension}"


def _read(upload: IO[bytes] | Any, cap: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(cap + 1)
    if len(content) > cap:
        raise _refuse(too_big_message())
    return content


def too_big_message() -> str:
    return _("文件过大:单个附件不能超过 %(mb)s MB。") % {"mb": limits()["MAX_BYTES"] // (1024 * 1024)}


def wrong_type_message() -> str:
    return _("只能上传 JPEG、PNG、WebP 图片或 PDF 文件(按文件内容识别,与文件名无关)。")


def _re_encode(content: bytes, sniffed: str) -> tuple[bytes, int, int, bytes]:
    max_pixels = limits()["MAX_PIXELS"]
    bomb = _("图片像素过多(超过 %(n)s 万像素),可能是恶意文件,请缩小后再上传。") % {"n": max_pixels // 10000}
    broken = _("图片已损坏或不是真正的图片,无法打开。")
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow refuses 2× this outright, warns above it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format not in PIL_FORMATS[sniffed]:
                    raise _refuse(broken)
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                if image.width * image.height > max_pixels:
                    raise _refuse(bomb)
                image.load()
                try:  # a malformed EXIF block must not lose the photo: it is stripped anyway
                    upright = ImageOps.exif_transpose(image) or image
                except Exception:  # noqa: BLE001 (Pillow raises struct.error, KeyError … on bad EXIF)
                    upright = image
                if upright.mode != "RGB":
                    rgba = upright.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    upright = flat
                side = limits()["MAX_SIDE"]
                upright.thumbnail((side, side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                upright.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : stripped
                thumb_image = upright.copy()
                thumb_side = limits()["THUMB_SIDE"]
                thumb_image.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
                thumb = io.BytesIO()
                thumb_image.save(thumb, format="JPEG", quality=75)
                return out.getvalue(), upright.width, upright.height, thumb.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _refuse(bomb) from err
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as err:
        raise _refuse(broken) from err


def prepare(upload: IO[bytes] | Any, *, kind: str, name: str = "") -> Prepared:
    """Check one uploaded file (a Django ``UploadedFile`` or any binary file object) and return
    what to store, or raise ``DomainError(field="file")``. Nothing is written here."""
    if kind not in Attachment.Kind.values:
        raise DomainError(_("附件类型无效。"), field="kind")
    if upload is None:
        raise _refuse(_("请选择要上传的文件。"))
    cap = limits()["MAX_BYTES"]
    if (getattr(upload, "size", None) or 0) > cap:
        raise _refuse(too_big_message())
    content = _read(upload, cap)
    if not content:
        raise _refuse(_("文件是空的。"))
    sniffed = sniff(content[:16])
    if sniffed is None:
        raise _refuse(wrong_type_message())
    if sniffed not in KIND_TYPES[Attachment.Kind(kind)]:
        raise _refuse(_("照片只能是 JPEG、PNG 或 WebP 图片;PDF 请作为扫描件或文件上传。"))
    original = name or getattr(upload, "name", "") or ""
    if sniffed in IMAGE_TYPES:
        data, width, height, thumb = _re_encode(content, sniffed)
        return Prepared(
            content=data,
            name=clean_name(original, extension="jpg"),
            mime_type=JPEG,
            kind=kind,
            width=width,
            height=height,
            thumbnail=thumb,
        )
    return Prepared(content=content, name=clean_name(original, extension="pdf"), mime_type=PDF, kind=kind)
