//! How a flag answers for one user: pure, deterministic, `now` passed in.
//!
//! In order: a disabled flag is off for everyone (`DISABLED`); a member of
//! one of its groups is on (`TARGETING_MATCH`), wherever they are; a user
//! outside its regions (when it names any) is off (`DEFAULT`); at 100 %
//! everyone else is on, and below it a user is on when their [`bucket`]
//! is under the percentage times 100 (`SPLIT`, on or off); a user with no
//! id cannot be bucketed and is off (`DEFAULT`).
//!
//! The bucket is a fixed, named function, so any service computes the same
//! answer: the first 8 bytes of SHA-256 over the UTF-8 bytes of
//! `"{flagKey}/{userId}"`, read as a big-endian unsigned 64-bit integer,
//! modulo 10,000. A user is in a rollout of `p` % when `bucket < p * 100`;
//! so raising `p` never turns anyone off.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::definition::{FlagKey, FlagRules, Percentage, Region, UserGroup, UserId};

/// Why a flag answered as it did (OpenFeature's reason words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    Disabled,
    TargetingMatch,
    Split,
    Default,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "DISABLED",
            Self::TargetingMatch => "TARGETING_MATCH",
            Self::Split => "SPLIT",
            Self::Default => "DEFAULT",
        }
    }
}

/// Who is asking: the user id to bucket, their groups and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationContext {
    pub user_id: Option<UserId>,
    pub groups: Vec<UserGroup>,
    pub region: Option<Region>,
}

/// One answer of one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub value: bool,
    pub reason: Reason,
    /// The percentage in force when it was evaluated.
    pub percentage: Percentage,
}

/// The user's bucket for `key`, 0 to 9,999 (see the module doc).
pub fn bucket(key: &FlagKey, user: &UserId) -> u16 {
    let digest = Sha256::digest(format!("{}/{}", key.as_str(), user.as_str()).as_bytes());
    let first = u64::from_be_bytes(digest[..8].try_into().expect("a digest has 8 bytes"));
    (first % 10_000) as u16
}

/// The answer of the flag `key` with `rules` for `context` at `now`.
pub fn evaluate(
    key: &FlagKey,
    rules: &FlagRules,
    context: &EvaluationContext,
    now: DateTime<Utc>,
) -> Evaluation {
    let percentage = rules.effective_percentage(now);
    let answer = |value, reason| Evaluation {
        value,
        reason,
        percentage,
    };
    if !rules.enabled {
        return answer(false, Reason::Disabled);
    }
    if context
        .groups
        .iter()
        .any(|group| rules.enabled_for_users.contains(group))
    {
        return answer(true, Reason::TargetingMatch);
    }
    let in_region = rules.regions.is_empty()
        || context
            .region
            .as_ref()
            .is_some_and(|region| rules.regions.contains(region));
    if !in_region {
        return answer(false, Reason::Default);
    }
    if percentage == Percentage::ALL {
        return answer(true, Reason::Split);
    }
    match &context.user_id {
        None => answer(false, Reason::Default),
        Some(user) => answer(
            u32::from(bucket(key, user)) < u32::from(percentage.get()) * 100,
            Reason::Split,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::definition::ScheduleStep;
    use rand::{Rng, SeedableRng};

    fn key() -> FlagKey {
        FlagKey::parse("fleetRiskDashboard").unwrap()
    }

    fn rules(percentage: i64) -> FlagRules {
        FlagRules {
            enabled: true,
            rollout_percentage: Percentage::new(percentage).unwrap(),
            enabled_for_users: vec![UserGroup::parse("beta-testers").unwrap()],
            regions: vec![],
            schedule: vec![],
        }
    }

    fn user(id: &str) -> EvaluationContext {
        EvaluationContext {
            user_id: Some(UserId::parse(id).unwrap()),
            ..Default::default()
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-02T12:00:00Z".parse().unwrap()
    }

    /// Random user ids from a seeded generator (reproducible).
    fn random_users(count: usize, seed: u64) -> Vec<UserId> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                let len = rng.random_range(4..40);
                let id: String = (0..len)
                    .map(|_| char::from(rng.random_range(b'!'..=b'~')))
                    .collect();
                UserId::parse(&id).unwrap()
            })
            .collect()
    }

    #[test]
    fn the_bucket_is_the_documented_function() {
        // Computed independently: python3 -c 'import hashlib;
        // print(int.from_bytes(hashlib.sha256(b"fleetRiskDashboard/user-1").digest()[:8], "big") % 10000)'
        let expected = {
            let digest = Sha256::digest(b"fleetRiskDashboard/user-1");
            u64::from_be_bytes(digest[..8].try_into().unwrap()) % 10_000
        };
        assert_eq!(
            u64::from(bucket(&key(), &UserId::parse("user-1").unwrap())),
            expected
        );
        assert_eq!(
            bucket(&key(), &UserId::parse("user-1").unwrap()),
            KNOWN_BUCKET_USER_1
        );
    }

    /// `fleetRiskDashboard/user-1` by the Python line above.
    const KNOWN_BUCKET_USER_1: u16 = 8726;

    #[test]
    fn over_ten_thousand_random_users_the_share_is_within_two_points() {
        let users = random_users(10_000, 13);
        for percentage in [1, 5, 25, 50, 75, 99] {
            let on = users
                .iter()
                .filter(|id| {
                    let context = EvaluationContext {
                        user_id: Some((*id).clone()),
                        ..Default::default()
                    };
                    evaluate(&key(), &rules(percentage), &context, now()).value
                })
                .count();
            let share = on as f64 / users.len() as f64 * 100.0;
            assert!(
                (share - percentage as f64).abs() <= 2.0,
                "{percentage} %: {share:.2} % on"
            );
        }
    }

    #[test]
    fn raising_the_percentage_never_turns_anyone_off() {
        for id in random_users(2_000, 7) {
            let context = EvaluationContext {
                user_id: Some(id),
                ..Default::default()
            };
            let mut was_on = false;
            for percentage in 0..=100 {
                let on = evaluate(&key(), &rules(percentage), &context, now()).value;
                assert!(on || !was_on, "{context:?} off again at {percentage} %");
                was_on = on;
            }
            assert!(was_on, "everyone is on at 100 %");
        }
    }

    #[test]
    fn reasons_follow_the_documented_order() {
        let mut flag = rules(0);
        let beta = EvaluationContext {
            groups: vec![UserGroup::parse("beta-testers").unwrap()],
            region: Some(Region::parse("asia").unwrap()),
            ..user("u1")
        };
        let evaluation = evaluate(&key(), &flag, &beta, now());
        assert_eq!(
            (evaluation.value, evaluation.reason),
            (true, Reason::TargetingMatch)
        );
        let split = evaluate(&key(), &flag, &user("u1"), now());
        assert_eq!((split.value, split.reason), (false, Reason::Split));
        flag.regions = vec![Region::parse("europe").unwrap()];
        assert_eq!(
            evaluate(&key(), &flag, &beta, now()).reason,
            Reason::TargetingMatch
        );
        let elsewhere = evaluate(&key(), &flag, &user("u1"), now());
        assert_eq!(
            (elsewhere.value, elsewhere.reason),
            (false, Reason::Default)
        );
        flag.rollout_percentage = Percentage::ALL;
        let european = EvaluationContext {
            region: Some(Region::parse("europe").unwrap()),
            ..Default::default()
        };
        assert!(evaluate(&key(), &flag, &european, now()).value);
        flag.rollout_percentage = Percentage::new(99).unwrap();
        let anonymous = evaluate(&key(), &flag, &european, now());
        assert_eq!(
            (anonymous.value, anonymous.reason),
            (false, Reason::Default)
        );
        flag.enabled = false;
        for context in [&beta, &european, &user("u1")] {
            let off = evaluate(&key(), &flag, context, now());
            assert_eq!((off.value, off.reason), (false, Reason::Disabled));
        }
    }

    #[test]
    fn the_schedule_is_read_at_now() {
        let mut flag = rules(0);
        flag.schedule = vec![ScheduleStep {
            at: "2026-12-07T00:00:00Z".parse().unwrap(),
            percentage: Percentage::ALL,
        }];
        assert!(
            !evaluate(&key(), &flag, &user("u9"), now()).value,
            "0 % before the step"
        );
        let later = "2026-12-07T00:00:00Z".parse().unwrap();
        let evaluation = evaluate(&key(), &flag, &user("u9"), later);
        assert_eq!(
            (evaluation.value, evaluation.percentage),
            (true, Percentage::ALL)
        );
    }
}
