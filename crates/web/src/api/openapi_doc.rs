//! The OpenAPI 3.1 document of `/api/v1`, written by hand as JSON (no
//! derive crate: the API is small, and a test keeps the document and the
//! route table equal, path by path and method by method).

use serde_json::{Value, json};

fn id_param(what: &str) -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": format!("The {what} id (an id of a centre not granted is 404, exactly like an id that does not exist)."),
        "schema": { "type": "integer", "format": "int64" }
    })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn problems(codes: &[&str]) -> serde_json::Map<String, Value> {
    codes
        .iter()
        .map(|c| {
            let what = match *c {
                "400" => "The request is malformed (the detail names the field).",
                "401" => "No valid token or session.",
                "403" => "The caller's role lacks the right, or a cookie-session write came without X-CSRF-Token.",
                "404" => "No such object in the caller's centres.",
                "409" => "Someone else changed the record (stale version); `current` holds the record as it is now (id, version, values).",
                "413" => "The body is larger than the server's limit.",
                "422" => "A rule refused the act (the detail names it: signature, two persons, an unacknowledged warning, a readings file problem by row and field).",
                _ => "Error.",
            };
            (
                c.to_string(),
                json!({
                    "description": what,
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }),
            )
        })
        .collect()
}

fn responses(ok_code: &str, okv: Value, errs: &[&str]) -> Value {
    let mut m = problems(errs);
    m.insert(ok_code.to_string(), okv);
    Value::Object(m)
}

fn json_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

const READ_ERRS: &[&str] = &["401", "403", "404"];
const WRITE_ERRS: &[&str] = &["400", "401", "403", "404", "409", "413", "422"];

/// The document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mibg registry API",
            "version": "1",
            "description": "The acts of the mibg web application as JSON, with the same rights: patients (a page at a time) and their enrolment, the plan of a course (signed), infusions and melphalan as given, stem-cell returns, transfusions, laboratory values (JSON or a labs file), adverse events, response assessments, dose-rate readings, the dosimetry of a course, the proposal (physicist) and approval (physician, a different person) of the second 131I-mIBG activity, and a patient's audit trail. Activities are given in MBq and mCi; units are in field names; every result carries its warnings. Errors are RFC 9457 problem details."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths(),
        "components": components(),
    })
}

fn paths() -> Value {
    let mut m = serde_json::Map::new();
    m.insert("/api/v1/openapi.json".into(), json!({
                "get": {
                    "summary": "This document.",
                    "operationId": "openapi",
                    "security": [],
                    "responses": { "200": { "description": "The OpenAPI 3.1 document.", "content": { "application/json": {} } } }
                }
            }));
    m.insert(
        "/api/v1/patients".into(),
        json!({
            "get": {
                "summary": "The patients of the caller's centres, with the state of each course, 50 a page (ordered by study id).",
                "operationId": "listPatients",
                "parameters": [
                    { "name": "page", "in": "query", "required": false, "description": "The page, from 1 (default 1); a page beyond the last lists none. Follow `next` until it is null.", "schema": { "type": "integer", "minimum": 1 } }
                ],
                "responses": responses("200", ok("One page of patients, with the total and the next page's path.", "PatientList"), &["400", "401", "403"])
            },
            "post": {
                "summary": "Enrol a patient (nurse, physicist, physician of the centre): the row is read by the study folder's patients reader; identifying data are stored apart and never returned by the API.",
                "operationId": "enrolPatient",
                "requestBody": json_body("NewPatient"),
                "responses": responses("201", ok("The patient enrolled.", "OnePatient"), WRITE_ERRS)
            }
        }),
    );
    m.insert(
        "/api/v1/patients/{id}/plan".into(),
        json!({
            "get": {
                "summary": "The plan a new course would have (nothing stored): the protocol versions and the plan of `mibg plan` for the weight and height given (the enrolment's by default), with the warnings to acknowledge.",
                "operationId": "previewPlan",
                "parameters": [
                    id_param("patient"),
                    { "name": "protocol_id", "in": "query", "required": false, "description": "Default: the newest protocol version.", "schema": { "type": "integer", "format": "int64" } },
                    { "name": "weight_kg", "in": "query", "required": false, "schema": { "type": "number" } },
                    { "name": "height_cm", "in": "query", "required": false, "schema": { "type": "number" } }
                ],
                "responses": responses("200", ok("The plan, or why it cannot be computed.", "PlanPreview"), &["400", "401", "403", "404"])
            }
        }),
    );
    m.insert(
        "/api/v1/patients/{id}/courses".into(),
        json!({
            "post": {
                "summary": "Plan a new course (physicist, physician): the plan of `mibg plan` computed again, the course and its infusion-1 prescription written and signed as authored (password again, every warning of the plan acknowledged by its text).",
                "operationId": "planCourse",
                "parameters": [id_param("patient")],
                "requestBody": json_body("PlanCourse"),
                "responses": responses("201", ok("The course and its infusion-1 prescription, signed as authored.", "CoursePlanned"), WRITE_ERRS)
            }
        }),
    );
    let entry = |summary: &str, op: &str, schema: &str, created: &str, result: &str| {
        json!({
            "post": {
                "summary": summary,
                "operationId": op,
                "parameters": [id_param("course")],
                "requestBody": json_body(schema),
                "responses": responses("201", ok(created, result), WRITE_ERRS)
            }
        })
    };
    m.insert("/api/v1/courses/{id}/infusions".into(), entry(
        "Record an infusion as given from the hot-lab record (nurse, physician): infusion 1 after the approved plan, infusion 2 after its approved prescription; the net activity by the library (assay decayed to the start minus the residual).",
        "recordInfusion", "NewInfusion", "The infusion recorded, with its net activity.", "InfusionRecorded"));
    m.insert("/api/v1/courses/{id}/melphalan".into(), entry(
        "Record melphalan as given (nurse, physician), shown beside the dose of the course's signed plan (the protocol's mg/m² × BSA). The protocol defines no tolerance for the deviation: it is reported, not judged.",
        "recordMelphalan", "NewMelphalan", "The dose recorded, with the plan's dose and the deviation.", "MelphalanRecorded"));
    m.insert("/api/v1/courses/{id}/stem-cells".into(), entry(
        "Record a stem-cell return (nurse, physician; day 0 of engraftment), read by the study folder's stem-cells reader.",
        "addStemCells", "NewStemCells", "The return recorded.", "Created"));
    m.insert("/api/v1/courses/{id}/transfusions".into(), entry(
        "Record a transfusion (nurse, physician), read by the toxicity crate's transfusions parser.",
        "addTransfusion", "NewTransfusion", "The transfusion recorded.", "Created"));
    m.insert("/api/v1/courses/{id}/labs".into(), entry(
        "Add laboratory values (nurse, physician), read together by the one labs parser (CTCAE v5.0 units and names): all or nothing; a problem names the value as `labs[i].field`.",
        "addLabs", "NewLabs", "The values saved.", "LabsCreated"));
    m.insert("/api/v1/courses/{id}/labs.csv".into(), json!({
        "post": {
            "summary": "Upload a labs file in the study folder's format (patient,date,test,value,unit,lln,uln[,baseline]); every problem by line and field, nothing saved unless the whole file is valid.",
            "operationId": "uploadLabs",
            "parameters": [
                id_param("course"),
                { "name": "filename", "in": "query", "required": false, "description": "Named in error messages.", "schema": { "type": "string" } }
            ],
            "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
            "responses": responses("201", ok("The values saved.", "LabsCreated"), WRITE_ERRS)
        }
    }));
    m.insert("/api/v1/courses/{id}/events".into(), entry(
        "Record an adverse event with its CTCAE v5.0 grade (nurse, physician): a grade the term does not allow, or a term graded from laboratory values, is refused.",
        "addAdverseEvent", "NewEvent", "The event recorded.", "Created"));
    m.insert("/api/v1/courses/{id}/assessments".into(), entry(
        "Record a response assessment (physician): the assessment object of the `mibg response` format, checked by the response crate with the patient's other assessments.",
        "addAssessment", "NewAssessment", "The assessment recorded.", "Created"));
    m.insert("/api/v1/courses/{id}/follow-up".into(), entry(
        "Record a follow-up event of the course's patient (physician): progression, relapse, second malignancy, death (with its cause) or the last contact, checked by the study folder's own validation in the patient's folder (a cause only for a death; at most one death and one last contact; nothing after the death or the last contact; nothing before the first infusion; no death before an infusion; nothing after the data cut-off). The study report's overall and event-free survival count it as the same row of `followup.csv`.",
        "addFollowUp", "NewFollowUp", "The event recorded.", "Created"));
    m.insert("/api/v1/courses/{id}/therapies".into(), entry(
        "Record a later therapy of the course's patient (physician): a therapy code (lower-case letters, digits, `_`), its start date and notes, checked by the study folder's own validation in the patient's folder (not before the first infusion; not after the death, the last contact or the data cut-off). The study report counts it as the same row of `therapies.csv`.",
        "addTherapy", "NewTherapy", "The therapy recorded.", "Created"));
    let change = |summary: &str, op: &str, schema: &str| {
        json!({
            "post": {
                "summary": summary,
                "operationId": op,
                "parameters": [id_param("course")],
                "requestBody": json_body(schema),
                "responses": responses("200", ok("The record's id and new version.", "Changed"), WRITE_ERRS)
            }
        })
    };
    for (what, path, name, right) in [
        ("a laboratory value", "labs", "Lab", "nurse, physician"),
        ("an adverse event", "events", "Event", "nurse, physician"),
        (
            "a response assessment",
            "assessments",
            "Assessment",
            "physician",
        ),
        ("a follow-up event", "follow-up", "FollowUp", "physician"),
        ("a later therapy", "therapies", "Therapy", "physician"),
        (
            "a melphalan dose",
            "melphalan",
            "Melphalan",
            "nurse, physician",
        ),
        (
            "a stem-cell return",
            "stem-cells",
            "StemCells",
            "nurse, physician",
        ),
        (
            "a transfusion",
            "transfusions",
            "Transfusion",
            "nurse, physician",
        ),
    ] {
        m.insert(format!("/api/v1/courses/{{id}}/{path}/update"), change(
            &format!("Change {what} of the course ({right}): the version it was based on (a stale version is 409), a reason, the new values checked by the same parser as an entry; audited old → new."),
            &format!("update{name}"), &format!("{name}Change")));
        m.insert(format!("/api/v1/courses/{{id}}/{path}/delete"), change(
            &format!("Delete {what} of the course ({right}): a state, not a lost row; the version it was based on (a stale version is 409) and a reason; audited."),
            &format!("delete{name}"), "Deletion"));
    }
    m.insert(
        "/api/v1/patients/{id}".into(),
        json!({
            "get": {
                "summary": "One patient (pseudonymous: no identifying data).",
                "operationId": "getPatient",
                "parameters": [id_param("patient")],
                "responses": responses("200", ok("The patient.", "OnePatient"), READ_ERRS)
            }
        }),
    );
    m.insert(
        "/api/v1/patients/{id}/history".into(),
        json!({
            "get": {
                "summary": "The audit trail of one patient, oldest first (monitor, physician).",
                "operationId": "getPatientHistory",
                "parameters": [id_param("patient")],
                "responses": responses("200", ok("The audit records.", "History"), READ_ERRS)
            }
        }),
    );
    m.insert("/api/v1/courses/{id}".into(), json!({
                "get": {
                    "summary": "A course: steps, infusions with readings, prescriptions with signatures.",
                    "operationId": "getCourse",
                    "parameters": [id_param("course")],
                    "responses": responses("200", ok("The course.", "Course"), READ_ERRS)
                }
            }));
    m.insert("/api/v1/courses/{id}/readings".into(), json!({
                "post": {
                    "summary": "Add one dose-rate reading to an infusion of the course.",
                    "operationId": "addReading",
                    "parameters": [id_param("course")],
                    "requestBody": json_body("NewReading"),
                    "responses": responses("201", ok("The reading stored.", "ReadingsCreated"), WRITE_ERRS)
                }
            }));
    m.insert("/api/v1/courses/{id}/readings.csv".into(), json!({
                "post": {
                    "summary": "Upload a readings file (the format of `mibg dose`); every problem by row and field, nothing saved unless the whole file is valid.",
                    "operationId": "uploadReadings",
                    "parameters": [
                        id_param("course"),
                        { "name": "infusion_id", "in": "query", "required": true, "schema": { "type": "integer", "format": "int64" } },
                        { "name": "filename", "in": "query", "required": false, "description": "Named in error messages.", "schema": { "type": "string" } }
                    ],
                    "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                    "responses": responses("201", ok("The readings stored.", "ReadingsCreated"), WRITE_ERRS)
                }
            }));
    m.insert("/api/v1/courses/{id}/dosimetry".into(), json!({
                "get": {
                    "summary": "The dosimetry of the course, computed now (the numbers of `mibg course`).",
                    "operationId": "getDosimetry",
                    "parameters": [id_param("course")],
                    "responses": responses("200", ok("The assessment, or why there is none.", "Dosimetry"), READ_ERRS)
                }
            }));
    m.insert("/api/v1/courses/{id}/propose".into(), json!({
                "post": {
                    "summary": "Propose the second activity (physicist; signed as authored: password again, every open warning acknowledged).",
                    "operationId": "proposeSecondActivity",
                    "parameters": [id_param("course")],
                    "requestBody": json_body("Propose"),
                    "responses": responses("201", ok("The prescription, signed as authored.", "OnePrescription"), WRITE_ERRS)
                }
            }));
    m.insert(
        "/api/v1/prescriptions/{id}".into(),
        json!({
            "get": {
                "summary": "One prescription with its signatures.",
                "operationId": "getPrescription",
                "parameters": [id_param("prescription")],
                "responses": responses("200", ok("The prescription.", "OnePrescription"), READ_ERRS)
            }
        }),
    );
    m.insert("/api/v1/prescriptions/{id}/approve".into(), json!({
                "post": {
                    "summary": "Approve a prescription (physician, not its author; password again; every warning acknowledged by its text).",
                    "operationId": "approvePrescription",
                    "parameters": [id_param("prescription")],
                    "requestBody": json_body("Approve"),
                    "responses": responses("200", ok("The prescription, approved.", "OnePrescription"), WRITE_ERRS)
                }
            }));
    Value::Object(m)
}

fn components() -> Value {
    let mut c = json!({
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "A personal API token (Account › API tokens, or `mibg user token create`); it carries its user's rights." },
                "session": { "type": "apiKey", "in": "cookie", "name": "mibg_session", "description": "The browser session; writes also need the header X-CSRF-Token." }
            }
    });
    c["schemas"] = schemas();
    c
}

fn schemas() -> Value {
    let warnings = json!({ "type": "array", "items": { "type": "string" }, "description": "Every warning of the result (empty when none)." });
    let mut m = serde_json::Map::new();
    m.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": { "type": "string" }, "title": { "type": "string" },
                "status": { "type": "integer" }, "detail": { "type": "string" },
                "current": { "type": "object", "description": "A stale write (409) only: the record as it is now.", "properties": {
                    "id": { "type": "integer" }, "version": { "type": "integer" }, "values": { "type": "object" } } }
            }
        }),
    );
    m.insert(
        "Activity".into(),
        json!({
            "type": "object", "required": ["mbq", "mci"],
            "description": "An activity in MBq and in mCi (1 mCi = 37 MBq).",
            "properties": { "mbq": { "type": "number" }, "mci": { "type": "number" } }
        }),
    );
    m.insert(
        "CourseSummary".into(),
        json!({
            "type": "object", "required": ["id", "number", "reached", "next", "missing"],
            "properties": {
                "id": { "type": "integer" }, "number": { "type": "integer" },
                "reached": { "type": "string" }, "next": { "type": ["string", "null"] },
                "missing": { "type": "array", "items": { "type": "string" } }
            }
        }),
    );
    m.insert("Patient".into(), json!({
                    "type": "object",
                    "required": ["id", "centre_id", "version", "study_id", "sex", "weight_kg", "height_cm", "courses"],
                    "properties": {
                        "id": { "type": "integer" }, "centre_id": { "type": "integer" }, "version": { "type": "integer" },
                        "study_id": { "type": "string" }, "sex": { "type": "string" },
                        "age_years": { "type": ["number", "null"] }, "weight_kg": { "type": "number" }, "height_cm": { "type": "number" },
                        "enrolment_date": { "type": ["string", "null"], "format": "date" },
                        "courses": { "type": "array", "items": { "$ref": "#/components/schemas/CourseSummary" } }
                    }
                }));
    m.insert("PatientList".into(), json!({
                    "type": "object", "required": ["patients", "page", "per_page", "total", "next", "prev", "warnings"],
                    "properties": {
                        "patients": { "type": "array", "items": { "$ref": "#/components/schemas/Patient" } },
                        "page": { "type": "integer", "minimum": 1 },
                        "per_page": { "type": "integer", "description": "50." },
                        "total": { "type": "integer", "description": "The patients of the caller's centres in all." },
                        "next": { "type": ["string", "null"], "description": "The path of the next page; null on the last." },
                        "prev": { "type": ["string", "null"], "description": "The path of the previous page; null on the first." },
                        "warnings": warnings
                    }
                }));
    m.insert("OnePatient".into(), json!({
                    "type": "object", "required": ["patient", "warnings"],
                    "properties": { "patient": { "$ref": "#/components/schemas/Patient" }, "warnings": warnings }
                }));
    m.insert("History".into(), json!({
                    "type": "object", "required": ["patient_id", "study_id", "records", "warnings"],
                    "properties": {
                        "patient_id": { "type": "integer" }, "study_id": { "type": "string" },
                        "records": { "type": "array", "items": { "type": "object", "description": "One audit record: seq, at (UTC), actor_name, action, entity, entity_id, field, old_value, new_value, reason, hashes." } },
                        "warnings": warnings
                    }
                }));
    m.insert("Reading".into(), json!({
                    "type": "object", "required": ["id", "infusion_id", "hours", "reading"],
                    "properties": {
                        "id": { "type": "integer" }, "infusion_id": { "type": "integer" },
                        "hours": { "type": "number", "description": "Hours after the end of the infusion." },
                        "reading": { "type": "number", "description": "Any unit proportional to activity." },
                        "background": { "type": ["number", "null"] },
                        "measured_at": { "type": ["string", "null"], "description": "UTC, when recorded as a clock time." }
                    }
                }));
    m.insert("NewReading".into(), json!({
                    "type": "object", "required": ["infusion_id", "hours", "reading"], "additionalProperties": false,
                    "properties": {
                        "infusion_id": { "type": "integer" }, "hours": { "type": "number" },
                        "reading": { "type": "number" }, "background": { "type": ["number", "null"] }
                    }
                }));
    m.insert("ReadingsCreated".into(), json!({
                    "type": "object", "required": ["readings", "warnings"],
                    "properties": { "readings": { "type": "array", "items": { "$ref": "#/components/schemas/Reading" } }, "warnings": warnings }
                }));
    m.insert("Signature".into(), json!({
                    "type": "object",
                    "required": ["printed_name", "meaning", "signed_at", "entity_version", "content_sha256", "valid"],
                    "properties": {
                        "printed_name": { "type": "string" },
                        "meaning": { "type": "string", "enum": ["authored", "reviewed", "approved"] },
                        "signed_at": { "type": "string", "description": "UTC." },
                        "entity_version": { "type": "integer" },
                        "content_sha256": { "type": "string", "description": "The hash of the signed version's content." },
                        "valid": { "type": "boolean" }, "void_reason": { "type": ["string", "null"] }
                    }
                }));
    m.insert("Prescription".into(), json!({
                    "type": "object",
                    "required": ["id", "version", "course_id", "infusion_number", "activity", "sign_off", "warnings", "acknowledged", "signatures"],
                    "properties": {
                        "id": { "type": "integer" }, "version": { "type": "integer" }, "course_id": { "type": "integer" },
                        "infusion_number": { "type": "integer" },
                        "activity": { "$ref": "#/components/schemas/Activity" },
                        "sign_off": { "type": "string", "enum": ["draft", "authored", "approved"] },
                        "warnings": { "type": "array", "items": { "type": "string" }, "description": "The warnings of the data it rests on; each must be acknowledged." },
                        "acknowledged": { "type": "array", "items": { "type": "string" } },
                        "basis": { "type": "object" },
                        "signatures": { "type": "array", "items": { "$ref": "#/components/schemas/Signature" } }
                    }
                }));
    m.insert("OnePrescription".into(), json!({
                    "type": "object", "required": ["prescription", "warnings"],
                    "properties": { "prescription": { "$ref": "#/components/schemas/Prescription" }, "warnings": warnings }
                }));
    m.insert("Course".into(), json!({
                    "type": "object",
                    "required": ["id", "patient_id", "study_id", "number", "version", "reached", "steps", "infusions", "prescriptions", "warnings"],
                    "properties": {
                        "id": { "type": "integer" }, "patient_id": { "type": "integer" }, "study_id": { "type": "string" },
                        "number": { "type": "integer" }, "version": { "type": "integer" },
                        "reached": { "type": "string" }, "next": { "type": ["string", "null"] },
                        "missing": { "type": "array", "items": { "type": "string" } },
                        "steps": { "type": "array", "items": { "type": "object", "properties": {
                            "step": { "type": "string" },
                            "state": { "type": "string", "enum": ["done", "missing", "not_applicable", "not_recorded"] },
                            "detail": { "type": "array", "items": { "type": "string" } } } } },
                        "infusions": { "type": "array", "items": { "type": "object", "properties": {
                            "id": { "type": "integer" }, "number": { "type": "integer" }, "date": { "type": "string", "format": "date" },
                            "activity": { "$ref": "#/components/schemas/Activity" },
                            "prescribed_activity": { "oneOf": [{ "$ref": "#/components/schemas/Activity" }, { "type": "null" }] },
                            "weight_kg": { "type": "number" },
                            "readings": { "type": "array", "items": { "$ref": "#/components/schemas/Reading" } } } } },
                        "prescriptions": { "type": "array", "items": { "$ref": "#/components/schemas/Prescription" } },
                        "warnings": warnings
                    }
                }));
    m.insert("Dosimetry".into(), json!({
                    "type": "object", "required": ["course_id", "patient_id", "protocol", "outcome", "warnings"],
                    "properties": {
                        "course_id": { "type": "integer" }, "patient_id": { "type": "integer" }, "protocol": { "type": "string" },
                        "outcome": { "type": "string", "enum": ["assessed", "missing", "readings", "refused"] },
                        "problem": { "type": ["string", "null"] },
                        "second_activity": { "oneOf": [{ "$ref": "#/components/schemas/Activity" }, { "type": "null" }] },
                        "result": { "type": ["object", "null"], "description": "The whole result as `mibg course --json` gives it (units in field names)." },
                        "gate": { "type": ["object", "null"], "description": "The plausibility gate's report when it refused." },
                        "warnings": warnings
                    }
                }));
    let text_or_number = json!({ "type": ["number", "string"] });
    let entry_errors = json!({
        "type": "array",
        "description": "On 422: every problem of the entry, each naming its field (and line, for a file).",
        "items": { "type": "object", "required": ["field", "line", "message"], "properties": {
            "field": { "type": ["string", "null"] }, "line": { "type": ["integer", "null"] }, "message": { "type": "string" } } }
    });
    m["Problem"]["properties"]["errors"] = entry_errors;
    m.insert("NewPatient".into(), json!({
        "type": "object", "required": ["study_id", "sex", "weight_kg", "height_cm"], "additionalProperties": false,
        "properties": {
            "centre_id": { "type": ["integer", "null"], "description": "The patient's centre; may be left out when the caller has one centre." },
            "study_id": { "type": "string", "description": "The study id (`C01-007`)." },
            "sex": { "type": "string", "enum": ["F", "M"] },
            "weight_kg": text_or_number, "height_cm": text_or_number,
            "enrolment_date": { "type": ["string", "null"], "format": "date" },
            "name": { "type": ["string", "null"], "description": "Identifying; stored apart." },
            "birth_date": { "type": ["string", "null"], "format": "date", "description": "Identifying; stored apart." },
            "hospital_number": { "type": ["string", "null"], "description": "Identifying; stored apart." }
        }
    }));
    m.insert("PlanPreview".into(), json!({
        "type": "object", "required": ["patient_id", "protocols", "protocol_id", "weight_kg", "height_cm", "plan", "problem", "warnings"],
        "properties": {
            "patient_id": { "type": "integer" },
            "protocols": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "label": { "type": "string" } } } },
            "protocol_id": { "type": ["integer", "null"] },
            "weight_kg": { "type": "number" }, "height_cm": { "type": "number" },
            "plan": { "type": ["object", "null"], "description": "The plan as `mibg plan --json` gives it." },
            "problem": { "type": ["string", "null"], "description": "Why there is no plan (the field named first)." },
            "warnings": { "type": "array", "items": { "type": "string" }, "description": "The plan's warnings: each must be acknowledged by its text to plan the course." }
        }
    }));
    m.insert("PlanCourse".into(), json!({
        "type": "object", "required": ["protocol_id", "weight_kg", "height_cm", "password"], "additionalProperties": false,
        "properties": {
            "protocol_id": { "type": "integer" },
            "weight_kg": text_or_number, "height_cm": text_or_number,
            "password": { "type": "string", "description": "The caller's password, entered again (21 CFR 11.200)." },
            "acknowledged": { "type": "array", "items": { "type": "string" }, "description": "The text of each warning of the plan." }
        }
    }));
    m.insert("CoursePlanned".into(), json!({
        "type": "object", "required": ["course_id", "course_number", "prescription", "warnings"],
        "properties": {
            "course_id": { "type": "integer" }, "course_number": { "type": "integer" },
            "prescription": { "$ref": "#/components/schemas/Prescription" }, "warnings": warnings
        }
    }));
    m.insert("NewInfusion".into(), json!({
        "type": "object", "additionalProperties": false,
        "required": ["number", "weight_kg", "start_time", "end_time", "assayed", "assayed_unit", "assay_time", "residual", "residual_unit", "residual_time"],
        "description": "The hot-lab record. Instants as YYYY-MM-DDTHH:MM in the centre's time zone, or with their UTC offset.",
        "properties": {
            "number": { "type": "integer", "enum": [1, 2] },
            "weight_kg": text_or_number,
            "start_time": { "type": "string" }, "end_time": { "type": "string", "description": "t = 0 of the readings." },
            "assayed": text_or_number, "assayed_unit": { "type": "string", "enum": ["MBq", "GBq", "mCi"] },
            "assay_time": { "type": "string" },
            "residual": text_or_number, "residual_unit": { "type": "string", "enum": ["MBq", "GBq", "mCi"] },
            "residual_time": { "type": "string" }
        }
    }));
    m.insert("InfusionRecorded".into(), json!({
        "type": "object", "required": ["infusion_id", "number", "date", "activity", "prescribed_activity", "warnings"],
        "properties": {
            "infusion_id": { "type": "integer" }, "number": { "type": "integer" },
            "date": { "type": "string", "format": "date" },
            "activity": { "$ref": "#/components/schemas/Activity", "description": "The net administered activity." },
            "prescribed_activity": { "oneOf": [{ "$ref": "#/components/schemas/Activity" }, { "type": "null" }] },
            "warnings": warnings
        }
    }));
    m.insert("NewMelphalan".into(), json!({
        "type": "object", "required": ["date", "dose_mg"], "additionalProperties": false,
        "properties": { "date": { "type": "string", "format": "date" }, "dose_mg": text_or_number }
    }));
    m.insert("MelphalanRecorded".into(), json!({
        "type": "object", "required": ["melphalan", "planned", "deviation_pct", "tolerance_pct", "warnings"],
        "properties": {
            "melphalan": { "type": "object", "properties": {
                "id": { "type": "integer" }, "date": { "type": "string", "format": "date" }, "dose_mg": { "type": "number" } } },
            "planned": { "type": ["object", "null"], "description": "The dose of the course's signed plan (null for a course not planned in the registry).", "properties": {
                "dose_mg": { "type": "number" }, "bsa_m2": { "type": "number" }, "prescription_id": { "type": "integer" } } },
            "deviation_pct": { "type": ["number", "null"], "description": "(given − planned) / planned × 100." },
            "tolerance_pct": { "type": "null", "description": "The protocol's accepted deviation: none is defined, so the deviation is reported and not judged." },
            "warnings": warnings
        }
    }));
    m.insert("NewStemCells".into(), json!({
        "type": "object", "required": ["date", "cd34_e6_per_kg"], "additionalProperties": false,
        "properties": { "date": { "type": "string", "format": "date" }, "cd34_e6_per_kg": text_or_number }
    }));
    m.insert("NewTransfusion".into(), json!({
        "type": "object", "required": ["date", "product"], "additionalProperties": false,
        "properties": { "date": { "type": "string", "format": "date" }, "product": { "type": "string", "description": "`platelets` or `red_cells` (the toxicity crate's products)." } }
    }));
    m.insert("NewLabs".into(), json!({
        "type": "object", "required": ["labs"], "additionalProperties": false,
        "properties": { "labs": { "type": "array", "items": { "type": "object", "required": ["date", "test", "value", "unit"], "additionalProperties": false,
            "properties": {
                "date": { "type": "string", "format": "date" },
                "test": { "type": "string", "description": "`neutrophils`, `platelets`, `haemoglobin`, … (the labs file's test names)." },
                "value": text_or_number, "unit": { "type": "string" },
                "lln": { "type": ["number", "string", "null"] }, "uln": { "type": ["number", "string", "null"] },
                "baseline": { "type": "boolean" } } } } }
    }));
    m.insert(
        "LabsCreated".into(),
        json!({
            "type": "object", "required": ["saved", "warnings"],
            "properties": { "saved": { "type": "integer" }, "warnings": warnings }
        }),
    );
    m.insert("NewEvent".into(), json!({
        "type": "object", "required": ["date", "term", "grade"], "additionalProperties": false,
        "properties": {
            "date": { "type": "string", "format": "date" },
            "term": { "type": "string", "description": "A CTCAE v5.0 term code of the term table (`mucositis_oral`, …)." },
            "grade": { "type": ["integer", "string"] }
        }
    }));
    m.insert("NewFollowUp".into(), json!({
        "type": "object", "required": ["event", "date"], "additionalProperties": false,
        "properties": {
            "event": { "type": "string", "enum": ["progression", "relapse", "second_malignancy", "death", "last_contact"] },
            "date": { "type": "string", "format": "date", "description": "Not before the first infusion; nothing after the death or the last contact." },
            "cause": { "type": ["string", "null"], "enum": ["disease", "toxicity", "other", "unknown", "", null], "description": "For a death only (optional, as in `followup.csv`); a `toxicity` death is a toxic death in the report." },
            "notes": { "type": ["string", "null"] }
        }
    }));
    m.insert("NewTherapy".into(), json!({
        "type": "object", "required": ["therapy", "start_date"], "additionalProperties": false,
        "properties": {
            "therapy": { "type": "string", "pattern": "^[a-z0-9_]+$", "description": "Therapy code (`gd2_car_t`, `busulfan_melphalan`, …)." },
            "start_date": { "type": "string", "format": "date", "description": "Not before the first infusion; not after the death or the last contact." },
            "notes": { "type": ["string", "null"] }
        }
    }));
    m.insert("NewAssessment".into(), json!({
        "type": "object", "required": ["kind", "assessment"], "additionalProperties": false,
        "properties": {
            "kind": { "type": "string", "enum": ["baseline", "follow_up"] },
            "assessment": { "type": "object", "description": "One assessment in the `mibg response` format: date, mibg (method, segments), primary, soft_tissue, marrow, new_lesions." }
        }
    }));
    let base = |extra: Value, required: &[&str]| {
        let mut props = json!({
            "record_id": { "type": "integer", "description": "The record changed." },
            "version": { "type": "integer", "description": "The version the change was based on." },
            "reason": { "type": "string", "description": "Why (required for every change to saved data)." }
        });
        if let Some(o) = extra.as_object() {
            for (k, v) in o {
                props[k] = v.clone();
            }
        }
        let mut req = vec!["record_id", "version", "reason"];
        req.extend_from_slice(required);
        json!({ "type": "object", "additionalProperties": false, "required": req, "properties": props })
    };
    m.insert("LabChange".into(), base(json!({
        "date": { "type": "string", "format": "date" }, "test": { "type": "string" },
        "value": text_or_number, "unit": { "type": "string" },
        "lln": { "type": ["number", "string", "null"] }, "uln": { "type": ["number", "string", "null"] },
        "baseline": { "type": "boolean" }
    }), &["date", "test", "value", "unit"]));
    m.insert("EventChange".into(), base(json!({
        "date": { "type": "string", "format": "date" }, "term": { "type": "string" }, "grade": { "type": ["integer", "string"] }
    }), &["date", "term", "grade"]));
    m.insert("AssessmentChange".into(), base(json!({
        "kind": { "type": "string", "enum": ["baseline", "follow_up"] },
        "assessment": { "type": "object", "description": "The whole assessment in the `mibg response` format." }
    }), &["kind", "assessment"]));
    m.insert("FollowUpChange".into(), base(json!({
        "event": { "type": "string", "enum": ["progression", "relapse", "second_malignancy", "death", "last_contact"] },
        "date": { "type": "string", "format": "date" },
        "cause": { "type": ["string", "null"], "enum": ["disease", "toxicity", "other", "unknown", "", null] },
        "notes": { "type": ["string", "null"] }
    }), &["event", "date"]));
    m.insert(
        "TherapyChange".into(),
        base(
            json!({
                "therapy": { "type": "string", "pattern": "^[a-z0-9_]+$" },
                "start_date": { "type": "string", "format": "date" },
                "notes": { "type": ["string", "null"] }
            }),
            &["therapy", "start_date"],
        ),
    );
    m.insert(
        "MelphalanChange".into(),
        base(
            json!({
                "date": { "type": "string", "format": "date" }, "dose_mg": text_or_number
            }),
            &["date", "dose_mg"],
        ),
    );
    m.insert("StemCellsChange".into(), base(json!({
        "date": { "type": "string", "format": "date" },
        "cd34_e6_per_kg": { "type": ["number", "string", "null"], "description": "CD34+ ×10⁶/kg (may be empty, as in `stem_cells.csv`)." }
    }), &["date"]));
    m.insert("TransfusionChange".into(), base(json!({
        "date": { "type": "string", "format": "date" },
        "product": { "type": "string", "description": "`platelets` or `red_cells` (the toxicity crate's products)." }
    }), &["date", "product"]));
    m.insert("Deletion".into(), base(json!({}), &[]));
    m.insert("Changed".into(), json!({
        "type": "object", "required": ["id", "version", "deleted", "warnings"],
        "properties": { "id": { "type": "integer" }, "version": { "type": "integer" }, "deleted": { "type": "boolean" }, "warnings": warnings }
    }));
    m.insert(
        "Created".into(),
        json!({
            "type": "object", "required": ["id", "warnings"],
            "properties": { "id": { "type": "integer" }, "warnings": warnings }
        }),
    );
    m.insert("Propose".into(), json!({
                    "type": "object", "required": ["password"], "additionalProperties": false,
                    "properties": {
                        "password": { "type": "string", "description": "The caller's password, entered again (21 CFR 11.200)." },
                        "acknowledged": { "type": "array", "items": { "type": "string" }, "description": "The text of each open warning." }
                    }
                }));
    m.insert("Approve".into(), json!({
                    "type": "object", "required": ["version", "password"], "additionalProperties": false,
                    "properties": {
                        "version": { "type": "integer", "description": "The prescription version approved." },
                        "password": { "type": "string" },
                        "acknowledged": { "type": "array", "items": { "type": "string" }, "description": "The text of each warning of the prescription." }
                    }
                }));
    Value::Object(m)
}
