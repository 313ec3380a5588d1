"""Chinese and English labels of the timeline and the worklist (the UI language is a setting)."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "DETAIL_ZH",
    "KIND_LABELS",
    "LABELS",
    "SOURCE_LABELS",
    "Language",
    "detail_in",
    "label",
    "translate",
]

Language = Literal["zh", "en"]

#: Event kind -> (zh, en).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "admission": ("入院", "Admission"),
    "discharge": ("出院", "Discharge"),
    "diagnosis": ("诊断", "Diagnosis"),
    "follow-up": ("门诊随访", "Clinic follow-up"),
    "home-visit": ("家访", "Home visit"),
    "phone-contact": ("电话随访", "Phone contact"),
    "emergency": ("应急处置", "Emergency handling"),
    "contact": ("接触", "Contact"),
    "risk-change": ("危险性等级变化", "Risk level change"),
    "class-change": ("随访分类变化", "Follow-up class change"),
    "management-status": ("管理状态变更", "Management status change"),
    "needs-assessment": ("需求评估", "Needs assessment"),
    "intervention": ("服务介入", "Intervention"),
    "scale-result": ("量表结果", "Scale result"),
    "care-plan-change": ("服务计划变更", "Care plan change"),
    "goal-reached": ("目标达成", "Goal reached"),
    "medication-change": ("用药变更", "Medication change"),
    "case-closed": ("结案", "Case closed"),
}

#: Source system -> (zh, en).
SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "hospital": ("精神专科医院", "Hospital"),
    "station": ("社区康复站", "Rehabilitation station"),
    "agency": ("社会工作机构", "Social-work agency"),
    "unknown": ("未知来源", "Unknown source"),
}

#: Words of the pages and of event details -> (zh, en).
LABELS: dict[str, tuple[str, str]] = {
    "worklist": ("待办清单", "Worklist"),
    "timeline": ("时间线", "Timeline"),
    "patient": ("患者", "Patient"),
    "rule": ("规则", "Rule"),
    "owner": ("负责机构", "Responsible organisation"),
    "organization": ("负责机构", "Responsible organisation"),
    "case_manager": ("个案管理者", "Case manager"),
    "street": ("街道", "Street"),
    "due": ("截止日期", "Due"),
    "status": ("状态", "Status"),
    "open_gaps": ("待处理缺口", "Open gaps"),
    "care_plan": ("服务计划", "Care plan"),
    "goals": ("目标", "Goals"),
    "care_team": ("关爱帮扶小组", "Care team"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "count": ("数量", "Count"),
    "none": ("无", "None"),
    "risk_level": ("危险性等级", "Risk level"),
    "scale_scores": ("量表得分", "Scale scores"),
    "date": ("日期", "Date"),
    "source": ("来源", "Source"),
    "summary": ("摘要", "Summary"),
    "evidence": ("依据", "Evidence"),
    "level": ("级", "level"),
    "disposition": ("去向", "disposition"),
    "unstable": ("不稳定", "unstable"),
    "basically_stable": ("基本稳定", "basically stable"),
    "stable": ("稳定", "stable"),
}


#: English displays of our CodeSystems that appear in event details -> Chinese.
DETAIL_ZH: dict[str, str] = {
    "Clinic (face-to-face)": "门诊（面对面）",
    "Home visit (face-to-face)": "家访（面对面）",
    "Phone": "电话",
    "Clinic": "门诊",
    "Office": "办公室面谈",
    "Home visit": "家访",
    "SMS": "短信",
    "WeChat": "微信",
    "Group activity": "小组活动",
    "Emergency handling": "应急处置",
    "Social-work case plan": "社工个案服务计划",
    "Hospital discharge plan": "出院计划",
    "Goals met": "目标达成",
    "Moved away": "迁出",
    "Deceased": "死亡",
    "Refused further service": "拒绝继续服务",
    "Transferred": "转介",
    "Home": "回家",
    "Psychiatric hospital": "精神专科医院",
    "BPRS total score": "BPRS 总分",
    "PANSS total score": "PANSS 总分",
    "SDSS total score": "SDSS 总分",
    "SSRS total score": "SSRS 总分",
    "Family burden total score": "家庭负担总分",
    "Social-work case management": "社工个案管理",
    "Community management of a severe mental disorder": "严重精神障碍社区管理",
}


def detail_in(detail: str, language: Language) -> str:
    """An event detail in the UI language: known code displays translated, the rest as written."""
    if language == "en" or not detail:
        return detail
    if detail in DETAIL_ZH:
        return DETAIL_ZH[detail]
    for english, chinese in DETAIL_ZH.items():  # "SSRS total score 24", "... plan (active)"
        if detail.startswith(english + " "):
            return chinese + detail[len(english) :]
    return detail


def label(key: str, language: Language) -> str:
    """The label of a word, kind or source in the language (the key itself if unknown)."""
    pair = LABELS.get(key) or KIND_LABELS.get(key) or SOURCE_LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]


def translate(language: Language) -> dict[str, str]:
    """Every label in one language, for templates."""
    index = 0 if language == "zh" else 1
    merged = {**SOURCE_LABELS, **KIND_LABELS, **LABELS}
    return {key: pair[index] for key, pair in merged.items()}
