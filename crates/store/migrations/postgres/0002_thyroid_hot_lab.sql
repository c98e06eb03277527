-- mibg registry schema, version 2 (postgres); the same as ../sqlite/0002_thyroid_hot_lab.sql.
-- 1. Thyroid follow-up (the study folder's thyroid.csv): the hypothyroidism rate is counted
--    among survivors with a thyroid assessment (docs/reference/toxicity.md §9).
-- 2. The hot-lab record of an infusion (infusions.csv assayed_mbq, assay_time, residual_mbq,
--    residual_time; mibg_dosimetry::administered, docs/reference/dosimetry.md §3.4). The net
--    activity stays in activity_mbq; start_at/end_at (version 1) hold start_time/end_time.
--    Readings' clock times were already in readings.measured_at (version 1).
-- Columns added to infusions follow its version and deleted columns (ALTER TABLE appends).

CREATE TABLE thyroid_assessments (
    id BIGINT PRIMARY KEY,
    centre_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    date TEXT NOT NULL,
    tsh_mu_per_l DOUBLE PRECISION CHECK (tsh_mu_per_l IS NULL OR tsh_mu_per_l >= 0),
    ft4_pmol_per_l DOUBLE PRECISION CHECK (ft4_pmol_per_l IS NULL OR ft4_pmol_per_l >= 0),
    notes TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    FOREIGN KEY (patient_id, centre_id) REFERENCES patients (id, centre_id)
);
CREATE INDEX thyroid_assessments_patient ON thyroid_assessments (patient_id);
CREATE INDEX thyroid_assessments_centre ON thyroid_assessments (centre_id);
CREATE TRIGGER thyroid_assessments_no_delete BEFORE DELETE ON thyroid_assessments FOR EACH ROW EXECUTE FUNCTION mibg_no_delete();

ALTER TABLE infusions ADD COLUMN assayed_mbq DOUBLE PRECISION;
ALTER TABLE infusions ADD COLUMN assay_at TEXT;
ALTER TABLE infusions ADD COLUMN residual_mbq DOUBLE PRECISION;
ALTER TABLE infusions ADD COLUMN residual_at TEXT;
