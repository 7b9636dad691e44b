//! The classification table: every kind of change, and whether it breaks a Rust caller of the
//! generated crate. One place decides the class; the report and the semver bump only read it.

use super::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Breaking,
    Compatible,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        }
    }
}

/// What changed, which carries its class: one place decides what breaks a Rust caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    EnumValueRemoved,
    FieldNullabilityChanged,
    FieldRemoved,
    FieldRequiredChanged,
    FieldTypeChanged,
    OperationAdded,
    OperationMoved,
    OperationRemoved,
    ParameterEncodingChanged,
    ParameterRemoved,
    ParameterTypeChanged,
    RequestBodyAdded,
    RequestBodyChanged,
    RequestBodyRemoved,
    ResponseBodyChanged,
    StatusAdded,
    StatusRemoved,
    TypeAdded,
    TypeRemoved,
    /// `open`: the enum is replaced by an open hand-written type (unknown values decode).
    EnumValueAdded {
        open: bool,
    },
    ParameterRequiredChanged {
        now_required: bool,
    },
    ParameterAdded {
        required: bool,
    },
    /// `exhaustive`: the struct is not `#[non_exhaustive]` (it is, or is part of, a request).
    FieldAdded {
        exhaustive: bool,
    },
}

impl ChangeKind {
    /// Breaking or compatible for code that uses the generated crate.
    pub fn class(self) -> Class {
        use ChangeKind::*;
        match self {
            EnumValueRemoved
            | FieldNullabilityChanged
            | FieldRemoved
            | FieldRequiredChanged
            | FieldTypeChanged
            | OperationRemoved
            | ParameterRemoved
            | ParameterTypeChanged
            | RequestBodyAdded
            | RequestBodyChanged
            | RequestBodyRemoved
            | ResponseBodyChanged
            | TypeRemoved => Class::Breaking,
            OperationAdded | OperationMoved | ParameterEncodingChanged | StatusAdded | StatusRemoved | TypeAdded => {
                Class::Compatible
            }
            EnumValueAdded { open: true }
            | ParameterRequiredChanged { now_required: false }
            | ParameterAdded { required: false }
            | FieldAdded { exhaustive: false } => Class::Compatible,
            EnumValueAdded { open: false }
            | ParameterRequiredChanged { now_required: true }
            | ParameterAdded { required: true }
            | FieldAdded { exhaustive: true } => Class::Breaking,
        }
    }

    /// A stable identifier (`field_added`, `enum_value_removed`, ...) for the JSON report.
    pub fn as_str(self) -> &'static str {
        use ChangeKind::*;
        match self {
            EnumValueRemoved => "enum_value_removed",
            FieldAdded { .. } => "field_added",
            FieldNullabilityChanged => "field_nullability_changed",
            FieldRemoved => "field_removed",
            FieldRequiredChanged => "field_required_changed",
            FieldTypeChanged => "field_type_changed",
            OperationAdded => "operation_added",
            OperationMoved => "operation_moved",
            OperationRemoved => "operation_removed",
            ParameterEncodingChanged => "parameter_encoding_changed",
            ParameterRemoved => "parameter_removed",
            ParameterTypeChanged => "parameter_type_changed",
            RequestBodyAdded => "request_body_added",
            RequestBodyChanged => "request_body_changed",
            RequestBodyRemoved => "request_body_removed",
            ResponseBodyChanged => "response_body_changed",
            StatusAdded => "status_added",
            StatusRemoved => "status_removed",
            TypeAdded => "type_added",
            TypeRemoved => "type_removed",
            EnumValueAdded { .. } => "enum_value_added",
            ParameterRequiredChanged { .. } => "parameter_required_changed",
            ParameterAdded { .. } => "parameter_added",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed: `operation x`, `query parameter `x` of y`, `CourseAccount.field`, ...
    pub location: Location,
    pub detail: String,
    /// A fixup that did not fit one of the documents acts here: the change is shown as published,
    /// and its class may be wrong.
    pub uncertain: Option<&'static str>,
}

/// The semver consequence of a report, ordered from the least to the most a caller must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
        }
    }

    /// The next version after `current` (build metadata dropped; an unparsable `current` counts as
    /// 0.0.0). Below 1.0, Cargo treats the minor version as the breaking one.
    pub fn next(self, current: &str) -> String {
        let current = semver::Version::parse(current).unwrap_or_else(|_| semver::Version::new(0, 0, 0));
        let (major, minor, patch) = (current.major, current.minor, current.patch);
        let next = match (self, major) {
            (Bump::Major, 0) => semver::Version::new(0, minor + 1, 0),
            (Bump::Major, m) => semver::Version::new(m + 1, 0, 0),
            (Bump::Minor, 0) => semver::Version::new(0, minor, patch + 1),
            (Bump::Minor, m) => semver::Version::new(m, minor + 1, 0),
            (Bump::Patch, m) => semver::Version::new(m, minor, patch + 1),
        };
        next.to_string()
    }
}

impl Change {
    pub fn class(&self) -> Class {
        self.kind.class()
    }
}
