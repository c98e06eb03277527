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
                "409" => "Someone else changed the record (stale version).",
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
            "description": "The acts of the mibg web application as JSON, with the same rights: patients, a course, dose-rate readings, the dosimetry of a course, the proposal (physicist) and approval (physician, a different person) of the second 131I-mIBG activity, and a patient's audit trail. Activities are given in MBq and mCi; units are in field names; every result carries its warnings. Errors are RFC 9457 problem details."
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
                "summary": "The patients of the caller's centres, with the state of each course.",
                "operationId": "listPatients",
                "responses": responses("200", ok("The patients.", "PatientList"), READ_ERRS)
            }
        }),
    );
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
                "status": { "type": "integer" }, "detail": { "type": "string" }
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
                    "type": "object", "required": ["patients", "warnings"],
                    "properties": { "patients": { "type": "array", "items": { "$ref": "#/components/schemas/Patient" } }, "warnings": warnings }
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
