//! Who is asking, and what they may see and do: roles (docs/reference/registry.md §1),
//! the rights of each role as data, and the access scope that every read
//! and write of the store takes.
//!
//! A [`Scope`] cannot be built from parts: it comes from
//! [`crate::Store::login`], [`crate::Store::scope_for_user`],
//! [`crate::Store::scope_for_token`] (a user's current role and centres,
//! re-read from the database) or [`Scope::operator`] (the local command
//! line, which already holds the database itself).

use std::fmt;

/// A user's role (docs/reference/registry.md §1 [C, REDCap user-rights practice]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Centre IT / data manager: users, roles, centres, protocols; no
    /// clinical data, no sign-off.
    Admin,
    /// Paediatric oncologist, nuclear-medicine physician: everything
    /// clinical; approves prescriptions.
    Physician,
    /// Medical physicist: readings, dosimetry; plans a course (authors the
    /// infusion-1 prescription) and authors the infusion-2 prescription.
    Physicist,
    /// Nurse (ward, nuclear-medicine or research nurse): patients enrolled,
    /// infusions as given, readings, labs, transfusions, adverse events,
    /// stem cells.
    Nurse,
    /// Trial statistician: pseudonymised data of the centres granted,
    /// reports, exports; no identifiers, no writes.
    Statistician,
    /// Trial monitor, auditor: reads everything of the centres granted
    /// including the audit trail (identifiers excepted); no writes.
    Monitor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Physician,
        Role::Physicist,
        Role::Nurse,
        Role::Statistician,
        Role::Monitor,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Physician => "physician",
            Role::Physicist => "physicist",
            Role::Nurse => "nurse",
            Role::Statistician => "statistician",
            Role::Monitor => "monitor",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// Clinical roles see the identifying data of their centres' patients
    /// (docs/reference/registry.md §5).
    pub fn is_clinical(self) -> bool {
        matches!(self, Role::Physician | Role::Physicist | Role::Nurse)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A group of clinical tables with one write right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Patients, identifying data, courses.
    Enrolment,
    /// Infusions as given, melphalan, stem cells.
    Treatment,
    /// Dose-rate readings.
    Readings,
    /// Stored dosimetry results.
    Dosimetry,
    /// Prescriptions (plan of infusion 1, infusion 2).
    Prescription,
    /// Laboratory values, adverse events, transfusions.
    Toxicity,
    /// Response assessments.
    Response,
    /// Follow-up events and later therapies.
    Outcome,
}

/// One right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the (pseudonymised) clinical rows of the scope's centres.
    ReadClinical,
    /// Read names, dates of birth and hospital numbers.
    ReadIdentifiers,
    /// Write the tables of an area.
    Write(Area),
    /// Sign as author.
    SignAuthored,
    /// Sign as reviewer.
    SignReviewed,
    /// Sign as approver (prescriptions).
    SignApproved,
    /// Export the scope's data, pseudonymised.
    Export,
    /// Export with identifiers (a separate right, audited; docs/reference/registry.md §5).
    ExportIdentified,
    /// Read the audit trail of the scope's centres.
    ReadAudit,
    /// Create, disable, change users and their rights.
    ManageUsers,
    /// Create and change centres.
    ManageCentres,
    /// Import study folders, store protocols and study settings.
    Import,
}

/// The rights of a role: the authorisation matrix of the store, as data.
/// `export_identified` is the per-user flag that grants the separate
/// identified-export right (only effective for clinical roles).
pub fn role_permits(role: Role, p: Permission, export_identified: bool) -> bool {
    use Area::*;
    use Permission::*;
    match role {
        Role::Admin => matches!(p, ManageUsers | ManageCentres),
        Role::Physician => match p {
            ReadClinical | ReadIdentifiers | Write(_) | SignAuthored | SignReviewed
            | SignApproved | Export => true,
            ExportIdentified => export_identified,
            _ => false,
        },
        Role::Physicist => match p {
            ReadClinical | ReadIdentifiers | SignAuthored | SignReviewed => true,
            // Enrolment: a physicist plans a course (the course record with
            // its infusion-1 prescription, which they author).
            Write(a) => matches!(a, Enrolment | Readings | Dosimetry | Prescription),
            ExportIdentified => export_identified,
            _ => false,
        },
        Role::Nurse => match p {
            ReadClinical | ReadIdentifiers => true,
            // Enrolment: the research nurse registers patients (docs/reference/registry.md §1).
            Write(a) => matches!(a, Enrolment | Treatment | Readings | Toxicity),
            ExportIdentified => export_identified,
            _ => false,
        },
        Role::Statistician => matches!(p, ReadClinical | Export),
        Role::Monitor => matches!(p, ReadClinical | ReadAudit | Export),
    }
}

/// Who acts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Actor {
    /// A registry user.
    User {
        /// User id.
        id: i64,
        /// Login name.
        username: String,
        /// Printed name (signatures, audit).
        printed_name: String,
    },
    /// Whoever runs the `mibg` command line on the database itself (the
    /// operating-system account): recorded as such in the audit trail.
    Operator {
        /// Operating-system account name.
        name: String,
    },
    /// A sign-in attempt that did not (yet) authenticate.
    Anonymous {
        /// What was typed as user name, and from where.
        attempt: String,
    },
}

impl Actor {
    /// The name printed in the audit trail.
    pub fn printed_name(&self) -> String {
        match self {
            Actor::User { printed_name, .. } => printed_name.clone(),
            Actor::Operator { name } => format!("{name} (command line)"),
            Actor::Anonymous { attempt } => format!("unauthenticated: {attempt}"),
        }
    }
    /// The user id, if a user.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::Operator { .. } | Actor::Anonymous { .. } => None,
        }
    }
}

/// Which centres a scope covers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Centres {
    /// Every centre (the local operator only).
    All,
    /// These centre ids.
    Only(Vec<i64>),
}

/// The caller's access scope: who, with which role, over which centres.
/// Every read and write of clinical data takes one; there is no other way
/// in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Scope {
    actor: Actor,
    role: Option<Role>,
    centres: Centres,
    export_identified: bool,
}

impl Scope {
    /// The local operator: whoever runs `mibg` against the database file or
    /// URL (and so could read it with any SQL client). Every right except
    /// signing, on every centre; recorded in the audit trail under the
    /// operating-system account `name`. Front ends that serve users (the
    /// web application) never use it: they build scopes from sign-ins.
    pub fn operator(name: impl Into<String>) -> Scope {
        Scope {
            actor: Actor::Operator { name: name.into() },
            role: None,
            centres: Centres::All,
            export_identified: true,
        }
    }

    pub(crate) fn user(
        id: i64,
        username: String,
        printed_name: String,
        role: Role,
        centres: Vec<i64>,
        export_identified: bool,
    ) -> Scope {
        Scope {
            actor: Actor::User {
                id,
                username,
                printed_name,
            },
            role: Some(role),
            centres: Centres::Only(centres),
            export_identified,
        }
    }

    /// The same caller restricted to `centres` (the intersection with the
    /// centres already granted; a narrower scope never widens).
    pub fn narrowed(&self, centres: &[i64]) -> Scope {
        let only = match &self.centres {
            Centres::All => centres.to_vec(),
            Centres::Only(c) => c.iter().copied().filter(|x| centres.contains(x)).collect(),
        };
        Scope {
            centres: Centres::Only(only),
            ..self.clone()
        }
    }

    /// Who.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// The role (`None` for the operator).
    pub fn role(&self) -> Option<Role> {
        self.role
    }
    /// The centres covered.
    pub fn centres(&self) -> &Centres {
        &self.centres
    }
    /// Whether the scope covers centre `id`.
    pub fn covers(&self, centre: i64) -> bool {
        match &self.centres {
            Centres::All => true,
            Centres::Only(c) => c.contains(&centre),
        }
    }
    /// Whether this caller has right `p`.
    pub fn can(&self, p: Permission) -> bool {
        match self.role {
            None => !matches!(
                p,
                Permission::SignAuthored | Permission::SignReviewed | Permission::SignApproved
            ),
            Some(r) => role_permits(r, p, self.export_identified),
        }
    }
    /// `Ok` when the caller has right `p`, else [`crate::StoreError::Forbidden`].
    pub fn require(&self, p: Permission) -> Result<(), crate::StoreError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(crate::StoreError::Forbidden(format!(
                "the role {} does not have the right {p:?}",
                self.role.map_or("operator", Role::as_str)
            )))
        }
    }

    /// An SQL condition restricting `column` to the scope's centres, with
    /// its parameters appended to `params` (placeholders numbered from
    /// `params.len() + 1`).
    pub(crate) fn centre_condition(
        &self,
        column: &str,
        params: &mut Vec<crate::db::Value>,
    ) -> String {
        match &self.centres {
            Centres::All => "1 = 1".to_string(),
            Centres::Only(c) if c.is_empty() => "1 = 0".to_string(),
            Centres::Only(c) => {
                let first = params.len() + 1;
                params.extend(c.iter().map(|x| crate::db::Value::int(*x)));
                format!("{column} IN ({})", crate::db::placeholders(first, c.len()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix_follows_registry_md_section_1() {
        use Permission::*;
        // Admin: no clinical data, no sign-off.
        assert!(!role_permits(Role::Admin, ReadClinical, false));
        assert!(!role_permits(Role::Admin, SignApproved, false));
        assert!(role_permits(Role::Admin, ManageUsers, false));
        // Only physicians approve; physicists author.
        assert!(role_permits(Role::Physician, SignApproved, false));
        assert!(!role_permits(Role::Physicist, SignApproved, false));
        assert!(role_permits(Role::Physicist, SignAuthored, false));
        assert!(!role_permits(Role::Nurse, SignAuthored, false));
        // Nurses write readings and labs, not prescriptions.
        assert!(role_permits(Role::Nurse, Write(Area::Readings), false));
        assert!(role_permits(Role::Nurse, Write(Area::Toxicity), false));
        assert!(!role_permits(Role::Nurse, Write(Area::Prescription), false));
        // Nurses, physicists and physicians enrol patients; only clinical roles.
        for r in Role::ALL {
            assert_eq!(
                role_permits(r, Write(Area::Enrolment), false),
                r.is_clinical(),
                "{r}"
            );
        }
        // Infusions as given: nurses and physicians, not physicists.
        assert!(!role_permits(
            Role::Physicist,
            Write(Area::Treatment),
            false
        ));
        // Statisticians and monitors: no identifiers, no writes.
        for r in [Role::Statistician, Role::Monitor] {
            assert!(role_permits(r, ReadClinical, false));
            assert!(!role_permits(r, ReadIdentifiers, true));
            assert!(!role_permits(r, ExportIdentified, true));
            assert!(!role_permits(r, Write(Area::Outcome), false));
        }
        assert!(role_permits(Role::Monitor, ReadAudit, false));
        assert!(!role_permits(Role::Statistician, ReadAudit, false));
        // The identified export is a separate right, granted per account to
        // a clinical role only (docs/reference/registry.md §5).
        for r in [Role::Physician, Role::Physicist, Role::Nurse] {
            assert!(!role_permits(r, ExportIdentified, false), "{r}");
            assert!(role_permits(r, ExportIdentified, true), "{r}");
        }
        assert!(!role_permits(Role::Admin, ExportIdentified, true));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            // Messages and pages name a role by its stored word.
            assert_eq!(r.to_string(), r.as_str());
        }
        // The six roles of docs/reference/registry.md §1, by their stored words.
        let words: Vec<String> = Role::ALL.iter().map(Role::to_string).collect();
        assert_eq!(
            words,
            [
                "admin",
                "physician",
                "physicist",
                "nurse",
                "statistician",
                "monitor"
            ]
        );
        assert_eq!(Role::parse("Physician"), None);
    }

    /// The audit trail's "who": a user by the printed name of the account,
    /// the command line by its operating-system account, a failed sign-in
    /// by what was typed.
    #[test]
    fn each_actor_is_named_in_the_audit_trail() {
        let user = Actor::User {
            id: 7,
            username: "doctor1".into(),
            printed_name: "Dr A. Rossi".into(),
        };
        assert_eq!(user.printed_name(), "Dr A. Rossi");
        let op = Actor::Operator {
            name: "root".into(),
        };
        assert_eq!(op.printed_name(), "root (command line)");
        let anon = Actor::Anonymous {
            attempt: "doctor1 from 10.0.0.1".into(),
        };
        assert_eq!(
            anon.printed_name(),
            "unauthenticated: doctor1 from 10.0.0.1"
        );
    }

    #[test]
    fn narrowing_never_widens() {
        let s = Scope::user(1, "a".into(), "A".into(), Role::Monitor, vec![1, 2], false);
        let n = s.narrowed(&[2, 3]);
        assert!(n.covers(2));
        assert!(!n.covers(3));
        assert!(!n.covers(1));
        let op = Scope::operator("root").narrowed(&[5]);
        assert!(op.covers(5));
        assert!(!op.covers(1));
        assert!(!Scope::operator("x").can(Permission::SignApproved));
        let mut p = Vec::new();
        assert_eq!(n.centre_condition("centre_id", &mut p), "centre_id IN ($1)");
        assert_eq!(p.len(), 1);
        let empty = s.narrowed(&[]);
        assert_eq!(empty.centre_condition("c", &mut p), "1 = 0");
    }
}
