"""The phone report form (``/m/report/``): a few taps, and a ``client_key`` so that a resend
after a dropped network returns the case made the first time."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from core.attachments import services as attachment_services
from core.attachments.models import Attachment
from core.errors import DomainError
from core.limits import validate_people_count
from disputes.models import Category, Party
from governance import selectors as gov_selectors
from governance.models import Ethnicity
from governance.validators import validate_phone


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.village.name} · {obj.name}"


class MobileReportForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("纠纷类别"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择纠纷类别。")},
    )
    summary = forms.CharField(
        label=gettext_lazy("发生了什么"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": gettext_lazy("时间、起因、目前情况,简要说明即可")}
        ),
        error_messages={"required": gettext_lazy("请简要说明发生了什么。")},
    )
    name_1 = forms.CharField(
        label=gettext_lazy("当事人(一方)"),
        max_length=64,
        error_messages={"required": gettext_lazy("请至少填写一方当事人的姓名。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("姓名")}),
    )
    phone_1 = forms.CharField(
        label=gettext_lazy("联系电话(可不填)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    ethnicity_1 = forms.ChoiceField(
        label=gettext_lazy("民族(可不选)"),
        choices=[("", gettext_lazy("不清楚")), *Ethnicity.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    clan_1 = forms.CharField(
        label=gettext_lazy("家支(可不填)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("如:吉克")}),
    )
    name_2 = forms.CharField(
        label=gettext_lazy("另一方(可不填)"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("姓名")}),
    )
    ethnicity_2 = forms.ChoiceField(
        label=gettext_lazy("另一方民族(可不选)"),
        choices=[("", gettext_lazy("不清楚")), *Ethnicity.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    clan_2 = forms.CharField(
        label=gettext_lazy("另一方家支(可不填)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("如:沙马")}),
    )
    people_involved = forms.IntegerField(
        label=gettext_lazy("涉及人数"),
        min_value=1,
        validators=[validate_people_count],  # the model's limit, as on every other channel
        initial=2,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    grid = GridChoiceField(
        label=gettext_lazy("网格"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("所选网格不在您负责的范围内,不能上报到该网格。")},
    )
    address = forms.CharField(
        label=gettext_lazy("具体地点(可不填)"),
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如:三组王家院坝")}),
    )
    threat_flag = forms.BooleanField(label=gettext_lazy("有扬言报复、自伤或其他过激言行"), required=False)
    photo = forms.FileField(
        label=gettext_lazy("现场照片(可不拍)"),
        required=False,
        # made ~1600 px on the phone (static/js/photo-resize.js); checked and re-encoded here
        widget=forms.FileInput(
            attrs={"accept": "image/*", "capture": "environment", "data-photo-resize": ""}
        ),
        error_messages={
            "empty": gettext_lazy("文件是空的。"),
            "invalid": gettext_lazy("照片上传失败,请重新选择。"),
            "missing": gettext_lazy("照片上传失败,请重新选择。"),
        },
    )
    client_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("提交键缺失,请刷新页面后重新提交。"),
            "invalid": gettext_lazy("提交键无效,请刷新页面后重新提交。"),
        },
    )

    # where a service error on a model field lands on this form
    service_fields = {  # the service's argument → this form's field (core.errors.add_to_form)
        "grid": "grid",
        "village": "grid",
        "category": "category",
        "summary": "summary",
        "people_involved": "people_involved",
        "address": "address",
        "client_key": "client_key",
        "name": "name_1",
        "phone": "phone_1",
        "ethnicity": "ethnicity_1",
        "clan": "clan_1",
    }

    def clean_photo(self):
        """The attachment checks (size, type by content, Pillow) before the case is made, so a bad
        photo is a message on the form and nothing is written; the result is what is stored."""
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return attachment_services.attachment_check(upload=upload, kind=Attachment.Kind.PHOTO)
        except DomainError as err:
            raise ValidationError(err.message, code="invalid") from err

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = gov_selectors.grid_list(user=user).order_by("village__code", "code")

    def parties(self) -> list[dict]:
        d = self.cleaned_data
        parties = [
            {
                "name": d["name_1"].strip(),
                "role": Party.Role.APPLICANT,
                "phone": d.get("phone_1", ""),
                "ethnicity": d.get("ethnicity_1", ""),
                "clan": d.get("clan_1", "").strip(),
            }
        ]
        if d.get("name_2", "").strip():
            parties.append(
                {
                    "name": d["name_2"].strip(),
                    "role": Party.Role.RESPONDENT,
                    "ethnicity": d.get("ethnicity_2", ""),
                    "clan": d.get("clan_2", "").strip(),
                }
            )
        return parties
