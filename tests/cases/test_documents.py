"""Documents of a case: checked by size and real content, stored via Django storage,
downloaded only by the platform's caseworkers."""

import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AccessLog, Case, Document
from cases.services import pathway as services
from organizations.errors import DomainError
from tests.cases.factories import CaseFactory, DocumentFactory

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def case(alice) -> Case:
    return CaseFactory(organization=alice.organization, advisor=alice)


@pytest.fixture
def document(case) -> Document:
    return DocumentFactory(case=case, original_name="Permis de Hélène.pdf")


def attach(case, by, uploaded):
    return services.attach_document(
        case=case, by=by, uploaded_file=uploaded, kind="licence", description="Recto verso"
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("avis.pdf", PDF, "application/pdf"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
        ("scan.webp", WEBP, "image/webp"),
        (
            "cv.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("lettre.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_accepted_formats_are_stored_with_the_type_their_content_shows(
    case, alice, settings, name, content, content_type
):
    document = attach(case, alice, upload(name, content, content_type="text/plain"))

    assert document.content_type == content_type
    assert (document.original_name, document.size) == (name, len(content))
    assert document.uploaded_by == alice.user
    assert default_storage.open(document.file.name).read() == content
    assert name not in document.file.name  # the stored name carries no personal data


def test_a_file_over_10_mb_is_refused_and_nothing_is_stored(case, alice, settings):
    big = upload("scan.pdf", PDF + b"0" * (services.MAX_DOCUMENT_SIZE + 1 - len(PDF)))

    with pytest.raises(DomainError, match="la taille maximale est de 10 Mo") as error:
        attach(case, alice, big)

    assert error.value.field == "file"
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_file_of_exactly_10_mb_is_accepted(case, alice):
    content = PDF + b"0" * (services.MAX_DOCUMENT_SIZE - len(PDF))

    assert attach(case, alice, upload("scan.pdf", content)).size == services.MAX_DOCUMENT_SIZE


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("attestation.pdf", b"MZ\x90\x00 not a pdf at all", "Ce fichier n'est pas un PDF valide"),
        ("attestation.pdf", PNG, "Ce fichier n'est pas un PDF valide"),
        ("photo.jpg", PNG, "Ce fichier n'est pas une image JPEG valide"),
        ("cv.docx", b"PK\x03\x04 broken zip", "n'est pas un document Word (DOCX) valide"),
        ("lettre.odt", docx(), "n'est pas un document OpenDocument (ODT) valide"),
        ("programme.exe", b"MZ\x90\x00", "Ce type de fichier n'est pas accepté"),
        ("page.html", PDF, "Ce type de fichier n'est pas accepté"),
        ("sans-extension", b"GIF89a", "Ce type de fichier n'est pas accepté"),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(
    case, alice, settings, name, content, message
):
    with pytest.raises(DomainError, match=re.escape(message)):
        attach(case, alice, upload(name, content, content_type="application/pdf"))

    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_file_without_extension_is_accepted_by_its_content(case, alice):
    assert attach(case, alice, upload("scan", PDF)).content_type == "application/pdf"


def test_an_empty_file_is_refused(case, alice):
    with pytest.raises(DomainError, match="vide"):
        attach(case, alice, upload("vide.pdf", b""))


def test_a_coach_cannot_attach_a_document(case, bob):
    with pytest.raises(DomainError):
        attach(case, bob, upload("avis.pdf", PDF))


def test_deleting_a_document_removes_its_file_once_committed(
    document, alice, django_capture_on_commit_callbacks
):
    name = document.file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(document=document, by=alice)

    assert not Document.objects.exists()
    assert not default_storage.exists(name)


# --- Views -------------------------------------------------------------------------------------


def test_an_advisor_uploads_a_document_from_the_tab(case, alice, login):
    client = login(alice)
    tab = reverse("cases:case_documents", args=[case.id])
    assert 'enctype="multipart/form-data"' in client.get(tab).content.decode()

    response = client.post(
        reverse("cases:document_upload", args=[case.id]),
        {
            "file": upload("Attestation France Travail.pdf", PDF),
            "kind": "income",
            "description": "Attestation de droits",
        },
        follow=True,
    )

    document = case.documents.get()
    assert (document.kind, document.description) == ("income", "Attestation de droits")
    page = response.content.decode()
    assert "Attestation France Travail.pdf" in page
    assert reverse("cases:document_download", args=[case.id, document.id]) in page


def test_a_fake_pdf_is_refused_in_french_next_to_the_field_keeping_the_rest(
    case, alice, login, settings
):
    response = login(alice).post(
        reverse("cases:document_upload", args=[case.id]),
        {
            "file": upload("bulletin.pdf", b"<html>not a pdf</html>"),
            "kind": "income",
            "description": "Bulletin de salaire de mars",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas un PDF valide" in page
    assert 'value="Bulletin de salaire de mars"' in page
    assert '<option value="income" selected>' in page
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_too_big_upload_is_refused_in_french(case, alice, login, settings):
    big = upload("scan.pdf", PDF + b"0" * (services.MAX_DOCUMENT_SIZE + 1024))

    response = login(alice).post(
        reverse("cases:document_upload", args=[case.id]), {"file": big, "kind": "other"}
    )

    assert "la taille maximale est de 10 Mo" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_download_sends_the_file_as_an_attachment_under_its_original_name(document, alice, login):
    response = login(alice).get(
        reverse("cases:document_download", args=[document.case_id, document.id])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Permis%20de%20H%C3%A9l%C3%A8ne.pdf" in response["Content-Disposition"]
    assert AccessLog.objects.filter(beneficiary=document.case.beneficiary, user=alice.user).exists()


def test_a_document_is_deleted_after_confirmation(
    document, alice, login, django_capture_on_commit_callbacks
):
    client = login(alice)
    address = reverse("cases:document_delete", args=[document.case_id, document.id])
    name = document.file.name

    page = client.get(address).content.decode()
    assert "Supprimer le document « Permis de Hélène.pdf » ?" in page
    assert Document.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(address)

    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not default_storage.exists(name)


@pytest.mark.cross_tenant(
    "cases:document_download",
    "cases:document_delete",
    "cases:document_upload",
    "cases:case_documents",
)
def test_another_platform_cannot_see_download_or_delete_a_document(document, chloe, login):
    client = login(chloe)
    case_id = document.case_id

    assert client.get(reverse("cases:case_documents", args=[case_id])).status_code == 404
    assert (
        client.get(reverse("cases:document_download", args=[case_id, document.id])).status_code
        == 404
    )
    assert (
        client.post(reverse("cases:document_delete", args=[case_id, document.id])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("cases:document_upload", args=[case_id]),
            {"file": upload("x.pdf", PDF), "kind": "other"},
        ).status_code
        == 404
    )
    assert Document.objects.count() == 1


def test_a_document_cannot_be_reached_through_another_case_of_the_same_platform(
    document, alice, login
):
    other_case = CaseFactory(organization=alice.organization)

    response = login(alice).get(
        reverse("cases:document_download", args=[other_case.id, document.id])
    )

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["bob", "remi"])
@pytest.mark.role_check(
    "cases:document_download",
    "cases:document_delete",
    "cases:document_upload",
    "cases:case_documents",
)
def test_a_coach_or_a_referrer_cannot_reach_documents(document, login, who, request):
    client = login(request.getfixturevalue(who))
    case_id = document.case_id

    assert client.get(reverse("cases:case_documents", args=[case_id])).status_code == 403
    assert (
        client.get(reverse("cases:document_download", args=[case_id, document.id])).status_code
        == 403
    )
    assert (
        client.post(reverse("cases:document_delete", args=[case_id, document.id])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("cases:document_upload", args=[case_id]),
            {"file": upload("x.pdf", PDF), "kind": "other"},
        ).status_code
        == 403
    )
    assert Document.objects.count() == 1


def test_a_document_whose_file_is_gone_answers_404_not_an_error(document, alice, login):
    default_storage.delete(document.file.name)

    response = login(alice).get(
        reverse("cases:document_download", args=[document.case_id, document.id])
    )

    assert response.status_code == 404
