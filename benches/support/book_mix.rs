//! The mixed load on a benchmark book: what the dashboard, underwriters'
//! clients and the admins' tools send, in fixed shares.
//!
//! Two streams, each sent at a fixed rate of its own:
//! - [`Reads`]: of every 18 requests, 3 dashboards (2 by viewers through the
//!   flag gate, 1 by an underwriter), 8 vessel risks, 2 vessel details,
//!   1 fleet risk, 1 page of a fleet's vessels and 3 assessments of one vessel;
//! - [`Writes`], by an admin: in turn a new vessel, a patch of a book
//!   vessel's insured value, the deletion of a vessel this mix created, and
//!   an appended inspection. Creations and deletions balance, so the book
//!   keeps its size however long the load runs.
//!
//! Vessels and fleets are picked by a hash of the request's number, so a
//! run is the same every time.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};

use super::open_loop::{Mix, Planned};

/// The keys the mix sends with, one per role it needs.
pub struct Keys {
    pub viewer: Arc<str>,
    pub underwriter: Arc<str>,
    pub admin: Arc<str>,
}

pub struct BookMix {
    keys: Keys,
    /// IMO numbers of the book's vessels.
    book: Vec<String>,
    fleet_ids: Vec<String>,
    /// The next number for a created vessel's IMO (`support::imo`).
    next_created: AtomicU32,
    /// Vessels this mix created and has not deleted yet.
    created: Mutex<VecDeque<String>>,
}

/// SplitMix64: a well-spread number from the request's number.
fn spread(seq: u64) -> u64 {
    let mut z = seq.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A vessel's section 1 fields.
fn vessel(imo: &str) -> Value {
    json!({
        "vesselIMO": imo,
        "name": "LOAD VESSEL",
        "shipType": "bulk_carrier",
        "yearBuilt": 2008,
        "grossTonnage": 43000,
        "flag": "MT",
        "classSociety": "LR",
        "companyPerformance": "medium",
        "insuredValueUsd": 18_500_000.0,
        "daysInListedAreas12m": 12,
        "aisGaps12m": 1,
        "inspections": [
            {"date": "2025-03-14", "regime": "paris_mou", "deficiencies": 3, "detained": false}
        ],
        "incidents": [
            {"date": "2023-09-20", "severity": "C", "kind": "machinery", "grossLossUsd": 180_000.0}
        ]
    })
}

fn json_body(value: &Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(value).unwrap()))
}

impl BookMix {
    /// `book` holds the IMO numbers of the stored vessels; created vessels
    /// take `support::imo(created_from + k)`, which must not clash with them.
    pub fn new(keys: Keys, book: Vec<String>, fleet_ids: Vec<String>, created_from: u32) -> Self {
        Self {
            keys,
            book,
            fleet_ids,
            next_created: AtomicU32::new(created_from),
            created: Mutex::new(VecDeque::new()),
        }
    }

    pub fn viewer_key(&self) -> String {
        self.keys.viewer.to_string()
    }

    pub fn admin_key(&self) -> String {
        self.keys.admin.to_string()
    }

    fn request(
        &self,
        class: &'static str,
        method: Method,
        path: String,
        key: &Arc<str>,
    ) -> Planned {
        Planned {
            class,
            method,
            path,
            key: key.clone(),
            body: None,
            token: None,
        }
    }

    fn write(&self, turn: u64, pick: u64) -> Planned {
        let imo = &self.book[(pick % self.book.len() as u64) as usize];
        let fleet = &self.fleet_ids[(pick % self.fleet_ids.len() as u64) as usize];
        let admin = &self.keys.admin;
        match turn % 4 {
            0 => {
                let number = self.next_created.fetch_add(1, Ordering::SeqCst);
                let new_imo = super::imo(number).to_string();
                let mut body = vessel(&new_imo);
                body["fleetId"] = json!(fleet);
                Planned {
                    body: json_body(&body),
                    token: Some(new_imo),
                    ..self.request(
                        "write: create",
                        Method::POST,
                        "/api/fleet-risk/vessels".into(),
                        admin,
                    )
                }
            }
            2 if let Some(created) = self.created.lock().unwrap().pop_front() => self.request(
                "write: delete",
                Method::DELETE,
                format!("/api/fleet-risk/vessels/{created}"),
                admin,
            ),
            1 | 2 => {
                let value = 1_000_000.0 + (pick % 100_000_000) as f64;
                Planned {
                    body: Some((
                        "application/merge-patch+json",
                        serde_json::to_vec(&json!({"insuredValueUsd": value})).unwrap(),
                    )),
                    ..self.request(
                        "write: patch",
                        Method::PATCH,
                        format!("/api/fleet-risk/vessels/{imo}"),
                        admin,
                    )
                }
            }
            _ => {
                let day = 1 + pick % 28;
                let inspection = json!({
                    "date": format!("2026-10-{day:02}"),
                    "regime": "tokyo_mou",
                    "deficiencies": pick % 7,
                    "detained": false
                });
                Planned {
                    body: json_body(&inspection),
                    ..self.request(
                        "write: inspection",
                        Method::POST,
                        format!("/api/fleet-risk/vessels/{imo}/inspections"),
                        admin,
                    )
                }
            }
        }
    }
}

/// The dashboard's, underwriters' and viewers' requests of the mix.
pub struct Reads(pub Arc<BookMix>);

/// The admins' writes of the mix.
pub struct Writes(pub Arc<BookMix>);

impl Mix for Writes {
    fn plan(&self, seq: u64) -> Planned {
        self.0.write(seq, spread(seq))
    }

    fn answered(&self, planned: &Planned, status: u16) {
        if let (Some(imo), 201) = (&planned.token, status) {
            self.0.created.lock().unwrap().push_back(imo.clone());
        }
    }
}

impl Mix for Reads {
    fn plan(&self, seq: u64) -> Planned {
        let mix = &self.0;
        let pick = spread(seq);
        let imo = &mix.book[(pick % mix.book.len() as u64) as usize];
        let fleet = &mix.fleet_ids[(pick % mix.fleet_ids.len() as u64) as usize];
        let keys = &mix.keys;
        // 18 a cycle: 3 dashboards, 8 vessel risks, 2 vessels, a fleet risk,
        // a fleet's vessels and 3 assessments.
        match seq % 18 {
            0 | 9 => mix.request(
                "dashboard",
                Method::GET,
                "/api/fleet-risk/dashboard?userId=load-user&groups=internal-team".into(),
                &keys.viewer,
            ),
            5 => mix.request(
                "dashboard",
                Method::GET,
                "/api/fleet-risk/dashboard".into(),
                &keys.underwriter,
            ),
            1 | 3 | 6 | 8 | 10 | 12 | 14 | 16 => mix.request(
                "vessel risk",
                Method::GET,
                format!("/api/fleet-risk/vessels/{imo}/risk"),
                &keys.viewer,
            ),
            2 | 11 => mix.request(
                "vessel",
                Method::GET,
                format!("/api/fleet-risk/vessels/{imo}"),
                &keys.viewer,
            ),
            4 => mix.request(
                "fleet risk",
                Method::GET,
                format!("/api/fleet-risk/fleets/{fleet}/risk"),
                &keys.viewer,
            ),
            13 => mix.request(
                "fleet vessels",
                Method::GET,
                format!("/api/fleet-risk/fleets/{fleet}/vessels?limit=50"),
                &keys.viewer,
            ),
            _ => {
                let body = json!({"asOf": "2026-11-26", "vessels": [vessel(imo)]});
                Planned {
                    body: json_body(&body),
                    ..mix.request(
                        "assess",
                        Method::POST,
                        "/api/fleet-risk/assess".into(),
                        &keys.underwriter,
                    )
                }
            }
        }
    }
}
