"""Hypothesis strategies for consistent record sets: one person as each source holds them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import strategies as st

from hub.domain.codes import InterventionKind, NeedDomain, SupervisionStep
from hub.domain.identifiers import resident_id_check_digit
from hub.domain.records import (
    AdtEvent,
    AgencyCareplan,
    AgencyCase,
    AgencyClosure,
    AgencyContact,
    AgencyIntervention,
    AgencyNeedsAssessment,
    AgencyScaleAssessment,
    AgencySupervision,
    CarePlanGoal,
    CarePlanReview,
    CareTeamMember,
    EmergencyHandling,
    FollowUpVisit,
    HospitalAdmission,
    HospitalDiagnosis,
    HospitalMedicationOrder,
    HospitalPatient,
    HospitalScaleAssessment,
    NeedItem,
    SourceRecord,
    StationRegistration,
    SupervisionStepRecord,
)

keys = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
names = st.none() | st.text(alphabet="王李张刘陈杨赵黄周吴建国秀兰明华", min_size=2, max_size=4)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 31))
moments = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2025, 12, 31))
staff = st.none() | st.sampled_from(["DR01", "DR02", "PD11", "SW03"])
option = st.sampled_from(["1", "2", "3"])


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 12, 31)))
    body = f"110105{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + resident_id_check_digit(body)


@st.composite
def hospital_records(draw: st.DrawFn) -> list[SourceRecord]:
    """A hospital patient with one stay, its diagnosis, orders, a ward scale and ADT events."""
    pid, aid = draw(keys), draw(keys)
    admitted = draw(moments)
    discharged = draw(st.none() | st.just(admitted + timedelta(days=draw(st.integers(1, 90)))))
    doctor = draw(staff)
    stamp = admitted + timedelta(days=100)
    scale = draw(st.sampled_from(["BPRS", "PANSS"]))
    count = 18 if scale == "BPRS" else 30
    items = {str(i): draw(st.integers(1, 7)) for i in range(1, count + 1)}
    return [
        HospitalPatient(
            patient_id=pid,
            name=draw(names),
            sex=draw(st.sampled_from(["M", "F", None])),
            resident_id=draw(st.none() | resident_ids()),
            guardian_name=draw(names),
            guardian_relation=draw(st.none() | st.sampled_from(["父亲", "母亲", "配偶", "其他"])),
            ethnicity=draw(st.none() | st.sampled_from(["01", "回族", "11"])),
            marital_status=draw(st.none() | st.sampled_from(["10", "20", "married"])),
            updated_at=stamp,
        ),
        HospitalAdmission(
            admission_id=aid,
            patient_id=pid,
            ward=draw(st.none() | st.just("二病区")),
            admitted_at=admitted,
            discharged_at=discharged,
            discharge_disposition=draw(st.sampled_from(["1", "2", "3", "4", "5", "9"]))
            if discharged
            else None,
            attending_doctor_id=doctor,
            treatment_effect=draw(st.none() | st.sampled_from(["1", "2", "3", "4"])),
            dangerous_behaviour=draw(st.none() | st.booleans()),
            long_acting_injection=draw(st.booleans()),
            recommended_rehabilitation=draw(st.none() | st.just("日间康复")),
            updated_at=stamp,
        ),
        HospitalDiagnosis(
            diagnosis_id=draw(keys),
            patient_id=pid,
            admission_id=draw(st.none() | st.just(aid)),
            icd10_code=draw(
                st.sampled_from(["F20.0", "F31.2", "F25", "F06.8", "F71.1", "F32.1", "F20.001"])
            ),
            diagnosis_type=draw(st.sampled_from(["1", "2", "3"])),
            diagnosed_at=admitted,
            doctor_id=draw(staff),
            updated_at=stamp,
        ),
        HospitalMedicationOrder(
            order_id=draw(keys),
            patient_id=pid,
            admission_id=aid,
            drug_code=draw(st.sampled_from(["YP0101", "YP0105", "YP0201", "YP0301", "YP0302"])),
            dose=draw(st.none() | st.floats(0.5, 500)),
            dose_unit=draw(st.sampled_from(["mg", "片"])),
            route=draw(st.none() | st.sampled_from(["po", "im"])),
            frequency=draw(st.none() | st.sampled_from(["qd", "bid", "q4w"])),
            is_discharge_medication=discharged is not None and draw(st.booleans()),
            status=draw(st.sampled_from(["active", "stopped", "completed"])),
            ordered_at=admitted,
            prescriber_id=draw(staff),
            updated_at=stamp,
        ),
        HospitalScaleAssessment(
            assessment_id=draw(keys),
            patient_id=pid,
            admission_id=aid,
            scale=scale,
            assessed_at=admitted,
            items=items,
            reported_total=draw(st.none() | st.integers(18, 210)),
            rater_id=draw(staff),
            updated_at=stamp,
        ),
        AdtEvent(
            message_control_id=draw(keys),
            event_type="A03" if discharged else "A01",
            event_time=admitted,
            patient_id=pid,
            guardian_name=draw(names),
            guardian_relation=draw(st.none() | st.sampled_from(["SPO", "CHD", "MTH", "OTH"])),
            visit_number=aid,
            patient_class="I",
            attending_doctor_id=doctor,
            admitted_at=admitted,
            discharged_at=discharged,
            discharge_disposition="1" if discharged else None,
            diagnoses=("F20.0",),
        ),
    ]


@st.composite
def station_records(draw: st.DrawFn) -> list[SourceRecord]:
    """A registration with follow-ups, an emergency and care-team members."""
    reg = draw(keys)
    registered = draw(days)
    status = draw(st.sampled_from(["在管", "失访", "死亡", "迁出", "managed"]))
    out: list[SourceRecord] = [
        StationRegistration(
            registration_no=reg,
            name=draw(names),
            sex=draw(st.sampled_from(["1", "2", "9"])),
            resident_id=draw(st.none() | resident_ids()),
            guardian_name=draw(names),
            guardian_relation=draw(
                st.none() | st.sampled_from(["10", "20", "51", "52", "70", "99"])
            ),
            economic_status=draw(st.none() | st.sampled_from(["1", "2"])),
            diagnosis_code=draw(st.sampled_from(["01", "02", "03", "04", "05", "06"])),
            registered_on=registered,
            street_code="110105004",
            station_code=draw(keys),
            station_name=draw(names),
            doctor_id=draw(staff),
            management_status=status,
            status_changed_on=draw(st.none() | st.just(registered + timedelta(days=400))),
            loss_reason=draw(st.sampled_from(["1", "3"])) if status == "失访" else None,
            consent_to_share=draw(st.none() | st.booleans()),
        )
    ]
    for index in range(draw(st.integers(1, 3))):
        out.append(
            FollowUpVisit(
                visit_id=f"{reg}-{index}",
                registration_no=reg,
                visit_date=registered + timedelta(days=90 * index),
                visit_type=draw(option),
                person_seen=draw(st.none() | option),
                risk_level=draw(st.none() | st.integers(0, 5)),
                symptoms=tuple(draw(st.sets(st.integers(1, 12), max_size=4))),
                insight=draw(st.none() | option),
                sleep=draw(st.none() | option),
                work=draw(st.none() | st.sampled_from(["1", "9"])),
                minor_trouble=draw(st.integers(0, 3)),
                hospitalisation=draw(st.none() | st.sampled_from(["0", "1", "2"])),
                adherence=draw(st.none() | st.sampled_from(["1", "2", "3", "4"])),
                rehabilitation=tuple(draw(st.sets(st.sampled_from(["1", "2", "3", "4", "5"])))),
                medications=tuple(
                    draw(
                        st.lists(st.sampled_from(["利培酮 2mg bid", "奥氮平 10mg qn"]), max_size=2)
                    )
                ),
                follow_up_class=draw(st.none() | option),
                referred=draw(st.booleans()),
                doctor_id=draw(staff),
                death_date=draw(st.none() | days),
            )
        )
    out.append(
        EmergencyHandling(
            event_id=draw(keys),
            registration_no=reg,
            occurred_at=draw(moments),
            risk_level=draw(st.integers(0, 5)),
            measures=tuple(draw(st.lists(st.sampled_from(["1", "2", "3", "4"]), max_size=3))),
            police_involved=draw(st.booleans()),
            admitted=draw(st.booleans()),
            handled_by_id=draw(staff),
        )
    )
    for role in draw(
        st.sets(st.sampled_from(["police", "family", "prevention_doctor", "grid"]), min_size=1)
    ):
        out.append(
            CareTeamMember(
                member_id=f"{reg}-{role}",
                registration_no=reg,
                role=role,
                name="某某",
                since=draw(st.none() | days),
                until=draw(st.none() | days),
            )
        )
    return out


@st.composite
def agency_records(draw: st.DrawFn) -> list[SourceRecord]:
    """A case with its needs, scale, plan (goals on assessed needs), contact, work, closure."""
    case, client, plan = draw(keys), draw(keys), draw(keys)
    stamp = draw(moments)
    intake = stamp.date()
    domains = draw(st.sets(st.sampled_from([d.value for d in NeedDomain]), min_size=1, max_size=4))
    goal_domains = draw(
        st.lists(st.none() | st.sampled_from(sorted(domains)), min_size=1, max_size=3)
    )
    scale = draw(st.sampled_from(["SSRS", "SDSS"]))
    if scale == "SSRS":
        items: dict[str, int | list[int]] = {
            k: draw(st.integers(1, 4)) for k in ("1", "2", "3", "4", "8", "9", "10")
        }
        items |= {f"5{p}": draw(st.integers(1, 4)) for p in "ABCDE"}
        items |= {k: sorted(draw(st.sets(st.integers(1, 8)))) for k in ("6", "7")}
    else:
        items = {str(i): draw(st.sampled_from([0, 1, 2, 9])) for i in range(1, 11)}
    contact = draw(keys)
    steps = draw(st.lists(st.sampled_from([s.value for s in SupervisionStep]), unique=True))
    return [
        AgencyCase(
            case_id=case,
            client_id=client,
            name=draw(names),
            sex=draw(st.sampled_from(["male", "female"])),
            guardian_name=draw(names),
            guardian_relation=draw(st.none() | st.sampled_from(["mother", "spouse", "other"])),
            intake_date=intake,
            status=draw(st.sampled_from(["open", "on_hold", "closed"])),
            case_manager_id="SW03",
            referral_source=draw(st.none() | st.sampled_from(["station", "self"])),
            consent_to_share=draw(st.none() | st.booleans()),
            updated_at=stamp,
        ),
        AgencyNeedsAssessment(
            assessment_id=draw(keys),
            case_id=case,
            client_id=client,
            assessed_on=intake,
            assessor_id=draw(staff),
            needs=tuple(
                NeedItem(
                    domain=d,
                    maslow_level=draw(st.integers(1, 5)),
                    priority=draw(st.none() | st.sampled_from(["high", "low"])),
                )
                for d in sorted(domains)
            ),
            updated_at=stamp,
        ),
        AgencyScaleAssessment(
            assessment_id=draw(keys),
            case_id=case,
            client_id=client,
            scale=scale,
            assessed_on=intake,
            assessor_id=draw(staff),
            items=items,
            reported_total=draw(st.none() | st.integers(0, 64)),
            updated_at=stamp,
        ),
        AgencyCareplan(
            plan_id=plan,
            case_id=case,
            client_id=client,
            status=draw(st.sampled_from(["draft", "active", "on_hold", "completed", "revoked"])),
            created_on=intake,
            goals=tuple(
                CarePlanGoal(
                    goal_id=f"G{i}",
                    need_domain=d,
                    description="目标",
                    status=draw(
                        st.sampled_from(
                            ["proposed", "active", "achieved", "not_achieved", "cancelled"]
                        )
                    ),
                )
                for i, d in enumerate(goal_domains)
            ),
            planned_interventions=tuple(
                draw(st.sets(st.sampled_from([k.value for k in InterventionKind])))
            ),
            responsible_id=draw(staff),
            reviews=(CarePlanReview(reviewed_on=intake, reviewer_id=draw(staff)),),
            updated_at=stamp,
        ),
        AgencyContact(
            contact_id=contact,
            case_id=case,
            client_id=client,
            mode=draw(
                st.sampled_from(
                    ["home_visit", "phone", "wechat", "sms", "office", "group_activity", "clinic"]
                )
            ),
            contact_at=stamp,
            duration_minutes=draw(st.none() | st.integers(5, 180)),
            participants=("client",),
            worker_id=draw(staff),
            plan_id=draw(st.none() | st.just(plan)),
            updated_at=stamp,
        ),
        AgencyIntervention(
            intervention_id=draw(keys),
            case_id=case,
            client_id=client,
            kind_code=draw(st.sampled_from([k.value for k in InterventionKind])),
            performed_on=intake,
            resource_linked=draw(st.none() | st.sampled_from(["medical_aid", "disability_card"])),
            outcome=draw(
                st.none() | st.sampled_from(["requested", "granted", "refused", "pending"])
            ),
            contact_id=draw(st.none() | st.just(contact)),
            plan_id=draw(st.none() | st.just(plan)),
            worker_id=draw(staff),
            updated_at=stamp,
        ),
        AgencySupervision(
            supervision_id=draw(keys),
            case_id=case,
            client_id=client,
            supervisor_id="SW01",
            started_on=intake,
            status=draw(st.sampled_from(["in_progress", "completed"])),
            steps=tuple(
                SupervisionStepRecord(step=s, done_on=draw(st.none() | days)) for s in steps
            ),
            updated_at=stamp,
        ),
        AgencyClosure(
            closure_id=draw(keys),
            case_id=case,
            client_id=client,
            closed_on=intake,
            reason="goals_met",
            goals_achieved=draw(st.none() | st.integers(0, 3)),
            goals_total=draw(st.none() | st.integers(1, 3)),
            updated_at=stamp,
        ),
    ]
