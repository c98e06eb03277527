-- mibg registry schema, version 1 (sqlite).
-- The same tables as ../postgres/0001_init.sql; only types and triggers are spelled per dialect.
-- Times are UTC instants as text (YYYY-MM-DDTHH:MM:SS.ffffffZ); civil dates as YYYY-MM-DD.
-- Every table has version (optimistic concurrency) and deleted (a deletion is a state).

CREATE TABLE centres (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    printed_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'physician', 'physicist', 'nurse', 'statistician', 'monitor')),
    centre_id INTEGER NOT NULL REFERENCES centres (id),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    expires_at TEXT,
    export_identified INTEGER NOT NULL DEFAULT 0 CHECK (export_identified IN (0, 1)),
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE user_centres (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    centre_id INTEGER NOT NULL REFERENCES centres (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE protocols (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    title TEXT NOT NULL,
    path TEXT,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,
    config_toml TEXT NOT NULL,
    protocol_id INTEGER NOT NULL REFERENCES protocols (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL REFERENCES centres (id),
    study_id TEXT NOT NULL UNIQUE,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    age_years REAL,
    weight_kg REAL NOT NULL,
    height_cm REAL NOT NULL,
    enrolment_date TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    UNIQUE (id, centre_id)
);

CREATE TABLE patient_identity (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    name TEXT,
    birth_date TEXT,
    hospital_number TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 1),
    protocol_id INTEGER NOT NULL REFERENCES protocols (id),
    source TEXT NOT NULL CHECK (source IN ('entered', 'imported')),
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE infusions (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    course_id INTEGER NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 1),
    date TEXT NOT NULL,
    activity_mbq REAL NOT NULL,
    weight_kg REAL NOT NULL,
    prescribed_activity_mbq REAL,
    start_at TEXT,
    end_at TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    infusion_id INTEGER NOT NULL,
    hours REAL NOT NULL,
    reading REAL NOT NULL,
    background REAL,
    measured_at TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (infusion_id, patient_id) REFERENCES infusions (id, patient_id)
);

CREATE TABLE dosimetry_results (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    course_id INTEGER NOT NULL,
    infusion_number INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    result TEXT NOT NULL,
    software_version TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    UNIQUE (id, patient_id)
);

CREATE TABLE prescriptions (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    course_id INTEGER NOT NULL,
    infusion_number INTEGER NOT NULL CHECK (infusion_number >= 1),
    activity_mbq REAL NOT NULL,
    dosimetry_result_id INTEGER,
    basis TEXT NOT NULL,
    warnings TEXT NOT NULL,
    acknowledged TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id),
    FOREIGN KEY (dosimetry_result_id, patient_id) REFERENCES dosimetry_results (id, patient_id)
);

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    entity_version INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    meaning TEXT NOT NULL CHECK (meaning IN ('authored', 'reviewed', 'approved')),
    user_id INTEGER NOT NULL REFERENCES users (id),
    printed_name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    voided_at TEXT,
    void_reason TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE melphalan (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    course_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    dose_mg REAL NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id)
);

CREATE TABLE stem_cells (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    course_id INTEGER,
    date TEXT NOT NULL,
    cd34_e6_per_kg REAL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id),
    FOREIGN KEY (course_id, patient_id) REFERENCES courses (id, patient_id)
);

CREATE TABLE labs (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    test TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    lln TEXT,
    uln TEXT,
    baseline INTEGER NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1)),
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE adverse_events (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    term TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
    ctcae_version TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE transfusions (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    product TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('baseline', 'follow_up')),
    date TEXT NOT NULL,
    content TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE followup (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('progression', 'relapse', 'second_malignancy', 'death', 'last_contact')),
    date TEXT NOT NULL,
    cause TEXT CHECK (cause IS NULL OR cause IN ('disease', 'toxicity', 'other', 'unknown')),
    notes TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE therapies (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL,
    patient_id INTEGER NOT NULL,
    therapy TEXT NOT NULL,
    start_date TEXT NOT NULL,
    notes TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The audit trail (docs/reference/registry.md §4): append-only, hash-chained. No foreign
-- keys: an audit row outlives anything it describes.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'operator', 'anonymous')),
    user_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT,
    entity_id INTEGER,
    centre_id INTEGER,
    patient_id INTEGER,
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
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER centres_no_delete BEFORE DELETE ON centres BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER users_no_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER user_centres_no_delete BEFORE DELETE ON user_centres BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER protocols_no_delete BEFORE DELETE ON protocols BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER study_no_delete BEFORE DELETE ON study BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER patient_identity_no_delete BEFORE DELETE ON patient_identity BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER courses_no_delete BEFORE DELETE ON courses BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER infusions_no_delete BEFORE DELETE ON infusions BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER readings_no_delete BEFORE DELETE ON readings BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER dosimetry_results_no_delete BEFORE DELETE ON dosimetry_results BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER prescriptions_no_delete BEFORE DELETE ON prescriptions BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER melphalan_no_delete BEFORE DELETE ON melphalan BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER stem_cells_no_delete BEFORE DELETE ON stem_cells BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER labs_no_delete BEFORE DELETE ON labs BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER adverse_events_no_delete BEFORE DELETE ON adverse_events BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER transfusions_no_delete BEFORE DELETE ON transfusions BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER assessments_no_delete BEFORE DELETE ON assessments BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER followup_no_delete BEFORE DELETE ON followup BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
CREATE TRIGGER therapies_no_delete BEFORE DELETE ON therapies BEGIN SELECT RAISE(ABORT, 'records are never deleted: a deletion is a state (deleted = 1)'); END;
