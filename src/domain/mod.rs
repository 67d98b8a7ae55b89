//! Parsed, valid values of the fleet-risk domain.
//!
//! Every type here is built by a `parse` constructor (or from values that
//! already went through one), so code past the edge never handles a raw IMO
//! string, an unchecked flag code or a negative insured value.

mod api_key;
mod class_society;
mod feedback;
mod field_error;
mod flag;
mod fleet;
mod free_text;
mod history_input;
mod imo;
mod json_document;
mod json_fields;
mod policy_id;
mod risk_level;
mod role;
mod run;
mod vessel;
mod vessel_input;
mod vessel_patch;

pub use api_key::{KEY_NAME_MAX_CHARS, NewKeyRequest, parse_new_key};
pub use class_society::ClassSocietyCode;
pub use feedback::{
    FEEDBACK_MESSAGE_MAX_CHARS, FeedbackCategory, FeedbackContext, FeedbackRating,
    FeedbackSubmission, parse_feedback,
};
pub use field_error::{FieldError, FieldErrors};
pub use flag::FlagState;
pub use fleet::{FleetDescription, FleetId, FleetName};
pub use history_input::{IncidentInput, InspectionInput, parse_incident, parse_inspection};
pub use imo::Imo;
pub use json_document::{JsonDocumentError, parse_json_document};
pub use json_fields::JsonFields;
pub use policy_id::{PolicyId, PolicyIdPattern};
pub use risk_level::{RiskLevel, RiskThresholds};
pub use role::Role;
pub use run::{RunStatus, RunTrigger};
pub use vessel::{
    CompanyPerformance, Incident, IncidentKind, IncidentSeverity, Inspection, InspectionRegime,
    ShipType, UsdAmount, VesselName, VesselProfile,
};
pub use vessel_input::{VesselInput, parse_vessel, parse_vessel_list};
pub use vessel_patch::VesselPatch;
