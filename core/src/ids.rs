//! Identifiers used across documents, reference data and the store.
//!
//! They are plain strings on the wire and in documents (UUIDs for orders, office codes for reference
//! data), wrapped in newtypes so a person id cannot be passed where a unit id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wrap a string.
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A work order (one Automerge document). A UUID made on the creating device.
    OrderId
);
string_id!(
    /// A person: technician, dispatcher, supervisor, admin.
    PersonId
);
string_id!(
    /// A contractor company (施工单位 / 维修单位 / 第三方).
    ContractorId
);
string_id!(
    /// A project 项目.
    ProjectId
);
string_id!(
    /// A building 楼栋.
    BuildingId
);
string_id!(
    /// A unit 房号.
    UnitId
);
string_id!(
    /// An event within one order's log, unique across devices (`{hlc}@{actor}`).
    EventId
);
string_id!(
    /// A device, which is also the Automerge actor that writes its changes (hex).
    DeviceId
);
