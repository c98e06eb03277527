-- mibg registry schema, version 1 (postgres).
-- The same tables as ../sqlite/0001_init.sql; only types and triggers are spelled per dialect.
-- Times are UTC instants as text (YYYY-MM-DDTHH:MM:SS.ffffffZ); civil dates as YYYY-MM-DD.
-- Every table has version (optimistic concurrency) and deleted (a deletion is a state).

CREATE TABLE centres (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    printed_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'physician', 'physicist', 'nurse', 'statistician', 'monitor')),
    centre_id BIGINT NOT NULL REFERENCES centres (id),
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    expires_at TEXT,
    export_identified BIGINT NOT NULL DEFAULT 0 CHECK (export_identified IN (0, 1)),
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE user_centres (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    centre_id BIGINT NOT NULL REFERENCES centres (id),
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE protocols (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    title TEXT NOT NULL,
    path TEXT,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE study (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,
    config_toml TEXT NOT NULL,
    protocol_id BIGINT NOT NULL REFERENCES protocols (id),
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE patients (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL REFERENCES centres (id),
    study_id TEXT NOT NULL UNIQUE,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    age_years DOUBLE PRECISION,
    weight_kg DOUBLE PRECISION NOT NULL,
    height_cm DOUBLE PRECISION NOT NULL,
    enrolment_date TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    UNIQUE (id, centre_id)
);

CREATE TABLE patient_identity (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    name TEXT,
    birth_date TEXT,
    hospital_number TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE courses (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    number BIGINT NOT NULL CHECK (number >= 1),
    protocol_id BIGINT NOT NULL REFERENCES protocols (id),
    source TEXT NOT NULL CHECK (source IN ('entered', 'imported')),
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE infusions (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    number BIGINT NOT NULL CHECK (number >= 1),
    date TEXT NOT NULL,
    activity_mbq DOUBLE PRECISION NOT NULL,
    weight_kg DOUBLE PRECISION NOT NULL,
    prescribed_activity_mbq DOUBLE PRECISION,
    start_at TEXT,
    end_at TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE readings (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    infusion_id BIGINT NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    reading DOUBLE PRECISION NOT NULL,
    background DOUBLE PRECISION,
    measured_at TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (infusion_id, patient_id) REFERENCES infusions (id, patient_id)
);

CREATE TABLE dosimetry_results (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    infusion_number BIGINT NOT NULL,
    inputs TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    result TEXT NOT NULL,
    software_version TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE prescriptions (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    infusion_number BIGINT NOT NULL CHECK (infusion_number >= 1),
    activity_mbq DOUBLE PRECISION NOT NULL,
    dosimetry_result_id BIGINT,
    basis TEXT NOT NULL,
    warnings TEXT NOT NULL,
    acknowledged TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    FOREIGN KEY (dosimetry_result_id, patient_id) REFERENCES dosimetry_results (id, patient_id)
);

CREATE TABLE signatures (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    entity_version BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL,
    meaning TEXT NOT NULL CHECK (meaning IN ('authored', 'reviewed', 'approved')),
    user_id BIGINT NOT NULL REFERENCES users (id),
    printed_name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    voided_at TEXT,
    void_reason TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE melphalan (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    dose_mg DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id)
);

CREATE TABLE stem_cells (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    course_id BIGINT,
    date TEXT NOT NULL,
    cd34_e6_per_kg DOUBLE PRECISION,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id)
);

CREATE TABLE labs (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    test TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    lln TEXT,
    uln TEXT,
    baseline BIGINT NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1)),
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE adverse_events (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    term TEXT NOT NULL,
    grade BIGINT NOT NULL CHECK (grade BETWEEN 1 AND 5),
    ctcae_version TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE transfusions (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    product TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE assessments (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('baseline', 'follow_up')),
    date TEXT NOT NULL,
    content TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE followup (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('progression', 'relapse', 'second_malignancy', 'death', 'last_contact')),
    date TEXT NOT NULL,
    cause TEXT CHECK (cause IS NULL OR cause IN ('disease', 'toxicity', 'other', 'unknown')),
    notes TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE therapies (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    therapy TEXT NOT NULL,
    start_date TEXT NOT NULL,
    notes TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The audit trail (docs/reference/registry.md §4): append-only, hash-chained. No foreign
-- keys: an audit row outlives anything it describes.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'operator', 'anonymous')),
    user_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT,
    entity_id BIGINT,
    centre_id BIGINT,
    patient_id BIGINT,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT,
    row_hash TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE INDEX audit_patient ON audit (patient_id);
CREATE INDEX audit_action ON audit (action, at);

CREATE UNIQUE INDEX user_centres_grant ON user_centres (user_id, centre_id) WHERE deleted = 0;
CREATE UNIQUE INDEX patient_identity_one ON patient_identity (patient_id) WHERE deleted = 0;
CREATE UNIQUE INDEX courses_number ON courses (patient_id, number) WHERE deleted = 0;
CREATE UNIQUE INDEX infusions_number ON infusions (course_id, number) WHERE deleted = 0;
CREATE UNIQUE INDEX assessments_one_baseline ON assessments (patient_id) WHERE kind = 'baseline' AND deleted = 0;
CREATE INDEX user_centres_centre ON user_centres (centre_id);
CREATE INDEX patients_centre ON patients (centre_id);
CREATE INDEX patient_identity_patient ON patient_identity (patient_id);
CREATE INDEX patient_identity_centre ON patient_identity (centre_id);
CREATE INDEX courses_patient ON courses (patient_id);
CREATE INDEX courses_centre ON courses (centre_id);
CREATE INDEX infusions_patient ON infusions (patient_id);
CREATE INDEX infusions_centre ON infusions (centre_id);
CREATE INDEX readings_patient ON readings (patient_id);
CREATE INDEX readings_centre ON readings (centre_id);
CREATE INDEX dosimetry_results_patient ON dosimetry_results (patient_id);
CREATE INDEX dosimetry_results_centre ON dosimetry_results (centre_id);
CREATE INDEX prescriptions_patient ON prescriptions (patient_id);
CREATE INDEX prescriptions_centre ON prescriptions (centre_id);
CREATE INDEX signatures_patient ON signatures (patient_id);
CREATE INDEX signatures_centre ON signatures (centre_id);
CREATE INDEX melphalan_patient ON melphalan (patient_id);
CREATE INDEX melphalan_centre ON melphalan (centre_id);
CREATE INDEX stem_cells_patient ON stem_cells (patient_id);
CREATE INDEX stem_cells_centre ON stem_cells (centre_id);
CREATE INDEX labs_patient ON labs (patient_id);
CREATE INDEX labs_centre ON labs (centre_id);
CREATE INDEX adverse_events_patient ON adverse_events (patient_id);
CREATE INDEX adverse_events_centre ON adverse_events (centre_id);
CREATE INDEX transfusions_patient ON transfusions (patient_id);
CREATE INDEX transfusions_centre ON transfusions (centre_id);
CREATE INDEX assessments_patient ON assessments (patient_id);
CREATE INDEX assessments_centre ON assessments (centre_id);
CREATE INDEX followup_patient ON followup (patient_id);
CREATE INDEX followup_centre ON followup (centre_id);
CREATE INDEX therapies_patient ON therapies (patient_id);
CREATE INDEX therapies_centre ON therapies (centre_id);
CREATE INDEX signatures_entity ON signatures (entity, entity_id);

-- Append-only audit trail; no row of a record table is ever deleted.
CREATE FUNCTION mibg_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only';
END
$$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION mibg_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION mibg_audit_append_only();
CREATE FUNCTION mibg_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'records are never deleted: a deletion is a state (deleted = 1)';
END
$$;
CREATE TRIGGER centres_no_delete BEFORE DELETE ON centres FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER users_no_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER user_centres_no_delete BEFORE DELETE ON user_centres FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER protocols_no_delete BEFORE DELETE ON protocols FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER study_no_delete BEFORE DELETE ON study FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER patient_identity_no_delete BEFORE DELETE ON patient_identity FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER courses_no_delete BEFORE DELETE ON courses FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER infusions_no_delete BEFORE DELETE ON infusions FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER readings_no_delete BEFORE DELETE ON readings FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER dosimetry_results_no_delete BEFORE DELETE ON dosimetry_results FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER prescriptions_no_delete BEFORE DELETE ON prescriptions FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER melphalan_no_delete BEFORE DELETE ON melphalan FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER stem_cells_no_delete BEFORE DELETE ON stem_cells FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER labs_no_delete BEFORE DELETE ON labs FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER adverse_events_no_delete BEFORE DELETE ON adverse_events FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER transfusions_no_delete BEFORE DELETE ON transfusions FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER assessments_no_delete BEFORE DELETE ON assessments FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER followup_no_delete BEFORE DELETE ON followup FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
CREATE TRIGGER therapies_no_delete BEFORE DELETE ON therapies FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();
