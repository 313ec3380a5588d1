"""The national system's export headers, declared: export name -> record kind and columns."""

from __future__ import annotations

from connectors.fields import (
    FieldMap,
    as_bool_yes_no,
    as_code_bool,
    as_int,
    as_int_list,
    split_on,
)

__all__ = ["EXPORTS"]

_PERSON = {
    "登记编号": "registration_no",
    "姓名": "name",
    "性别": "sex",
    "出生日期": "birth_date",
    "身份证号": "resident_id",
    "联系电话": "phone",
    "现住址": "address",
    "监护人姓名": "guardian_name",
    "监护人电话": "guardian_phone",
    "与患者关系": "guardian_relation",
}
_COMMA = split_on(",")

#: Export name (the file name's prefix) -> its field map, in the order exports are read:
#: registrations first, so a person's later records follow their registration.
EXPORTS: dict[str, FieldMap] = {
    "基本信息": FieldMap.of(
        "station.registration",
        "登记编号",
        {
            **_PERSON,
            "诊断": "diagnosis_code",
            "确诊日期": "confirmed_on",
            "确诊医院": "confirming_hospital",
            "初次发病时间": "onset_date",
            "建档日期": "registered_on",
            "所属街道": "street_code",
            "居委会": "neighbourhood",
            "管理机构编码": "station_code",
            "管理机构": "station_name",
            "精防医生编号": "doctor_id",
            "精防医生": "doctor_name",
            "管理状态": "management_status",
            "状态变更日期": "status_changed_on",
            "失访原因": "loss_reason",
            "知情同意": ("consent_to_share", as_bool_yes_no),
            "经济状况": "economic_status",
        },
    ),
    "随访记录": FieldMap.of(
        "station.follow_up",
        "随访编号",
        {
            "随访编号": "visit_id",
            "登记编号": "registration_no",
            "随访日期": "visit_date",
            "随访方式": "visit_type",
            "随访对象": "person_seen",
            "危险性评估": ("risk_level", as_int),
            "目前症状": ("symptoms", as_int_list),
            "自知力": "insight",
            "睡眠情况": "sleep",
            "饮食情况": "diet",
            "个人生活料理": "self_care",
            "家务劳动": "housework",
            "生产劳动及工作": "work",
            "学习能力": "learning",
            "社会人际交往": "social_interaction",
            "轻度滋事": ("minor_trouble", as_int),
            "肇事": ("trouble_making", as_int),
            "肇祸": ("serious_incident", as_int),
            "其他危害行为": ("other_harm", as_int),
            "自伤": ("self_harm", as_int),
            "自杀未遂": ("suicide_attempt", as_int),
            "关锁情况": "locking",
            "住院情况": "hospitalisation",
            "末次出院时间": "last_discharge_date",
            "服药依从性": "adherence",
            # the national form: 1 none, 2 present
            "药物不良反应": ("adverse_reaction", as_code_bool("2", "1")),
            "治疗效果": "treatment_effect",
            "是否转诊": ("referred", as_code_bool("2", "1")),
            "转诊原因": "referral_reason",
            "转诊机构及科室": "referral_to",
            "用药情况": ("medications", split_on(";")),
            "康复措施": ("rehabilitation", _COMMA),
            "本次随访分类": "follow_up_class",
            "下次随访日期": "next_visit_date",
            "随访医生编号": "doctor_id",
            "随访医生": "doctor_name",
            "死亡日期": "death_date",
            "死亡原因": "death_cause",
        },
    ),
    "应急处置": FieldMap.of(
        "station.emergency",
        "事件编号",
        {
            "事件编号": "event_id",
            "登记编号": "registration_no",
            "发生时间": "occurred_at",
            "危险性等级": ("risk_level", as_int),
            "事件描述": "description",
            "处置措施": ("measures", _COMMA),
            "公安参与": ("police_involved", as_bool_yes_no),
            "是否住院": ("admitted", as_bool_yes_no),
            "处置人编号": "handled_by_id",
            "处置人": "handled_by_name",
        },
    ),
    "关爱帮扶小组": FieldMap.of(
        "station.care_team_member",
        "成员编号",
        {
            "成员编号": "member_id",
            "登记编号": "registration_no",
            "角色": "role",
            "姓名": "name",
            "联系电话": "phone",
            "所在单位": "organization",
            "加入日期": "since",
            "退出日期": "until",
        },
    ),
}
