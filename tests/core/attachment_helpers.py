"""Files for the attachment tests: real images made with Pillow, and the fakes that must be
refused (HTML or a zip named .jpg, a truncated JPEG, a decompression bomb)."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_bytes(width: int = 3000, height: int = 2000, *, exif: bool = True, fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (width, height), (120, 160, 200))
    for x in range(0, width, 50):  # some detail, so the encoder has work to do
        image.paste((200, 40, 40), (x, 0, min(x + 10, width), height))
    out = io.BytesIO()
    if exif and fmt == "JPEG":
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        info[0x8825] = {2: (30, 0, 0)}  # GPS IFD (a position the photo must not leak)
        image.save(out, format=fmt, exif=info.tobytes(), quality=90)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def upload(content: bytes, name: str = "现场.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(width: int = 3000, height: int = 2000, name: str = "现场.jpg") -> SimpleUploadedFile:
    return upload(jpeg_bytes(width, height), name)


def html_as_jpg() -> SimpleUploadedFile:
    return upload(b"<html><script>alert(document.cookie)</script></html>", "photo.jpg")


def zip_as_jpg() -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "x")
    return upload(out.getvalue(), "photo.jpg")


def truncated_jpeg() -> SimpleUploadedFile:
    return upload(jpeg_bytes(400, 300)[:300], "broken.jpg")


def bomb_png(side: int = 10_000) -> SimpleUploadedFile:
    """A PNG that is small on disk and 100 million pixels once decoded."""
    image = Image.new("1", (side, side), 0)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return upload(out.getvalue(), "bomb.png", "image/png")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bad_exif_jpeg() -> bytes:
    """A real phone-style JPEG whose EXIF block is damaged (three bytes changed): it decodes,
    but Pillow's ``exif_transpose`` raises on it (a TypeError with this Pillow)."""
    image = Image.new("RGB", (40, 30), (1, 2, 3))
    info = Image.Exif()
    info[0x0112] = 6  # Orientation: rotated
    info[0x010F] = "PhoneMaker"
    info[0x8825] = {2: (30, 0, 0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=info.tobytes())
    data = bytearray(out.getvalue())
    at = data.find(b"Exif\x00\x00")
    for offset, value in ((54, 31), (68, 119), (71, 14)):
        data[at + offset] = value
    return bytes(data)


def mpo_bytes() -> bytes:
    """A multi-picture JPEG (MPO: the photo and a preview), as many phone cameras write."""
    image = Image.new("RGB", (400, 300), (120, 160, 200))
    out = io.BytesIO()
    image.save(out, format="MPO", save_all=True, append_images=[image.resize((80, 60))])
    return out.getvalue()
