//! When an account sends requests: diurnal intensity profiles in the account's own time zone,
//! and four arrival processes (Poisson, sessions of bursts, steady machine load, nightly batch
//! windows). All times are milliseconds since the Unix epoch.

use super::rng::{Draw, Rng};

pub(crate) const DAY_MS: f64 = 86_400_000.0;

/// Relative request intensity by local hour (0..24), peak 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// Office hours on weekdays, quiet nights, weekends at 15%.
    Work,
    /// Consumer apps: evening peak, trough around 4am, weekends as busy as weekdays.
    Consumer,
    /// Round the clock (servers, load-balanced fleets).
    Flat,
}

const WORK: [f64; 24] = [
    0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.10, 0.25, 0.55, 0.85, 1.00, 0.95, 0.70, 0.85, 1.00, 0.95,
    0.85, 0.60, 0.40, 0.30, 0.25, 0.20, 0.12, 0.06,
];
const CONSUMER: [f64; 24] = [
    0.35, 0.22, 0.14, 0.10, 0.08, 0.09, 0.15, 0.28, 0.42, 0.52, 0.60, 0.66, 0.72, 0.70, 0.68, 0.68,
    0.70, 0.75, 0.85, 0.95, 1.00, 0.95, 0.80, 0.55,
];

impl Profile {
    /// Intensity in `[0, 1]` at `t_ms` for a zone `tz_min` minutes east of UTC.
    pub fn at(self, t_ms: i64, tz_min: i32) -> f64 {
        let local_min = t_ms.div_euclid(60_000) + tz_min as i64;
        let hour = local_min.div_euclid(60).rem_euclid(24) as usize;
        // 1970-01-01 was a Thursday: Monday = 0.
        let weekday = (local_min.div_euclid(1440) + 3).rem_euclid(7);
        match self {
            Profile::Work => WORK[hour] * if weekday >= 5 { 0.15 } else { 1.0 },
            Profile::Consumer => CONSUMER[hour],
            Profile::Flat => 1.0,
        }
    }

    /// Mean intensity over a week, to turn a daily rate into a peak rate.
    pub fn mean(self) -> f64 {
        let mut s = 0.0;
        for h in 0..168i64 {
            s += self.at(h * 3_600_000, 0);
        }
        s / 168.0
    }
}

/// An arrival process.
#[derive(Debug, Clone)]
pub(crate) enum Timing {
    /// Inhomogeneous Poisson arrivals by thinning.
    Poisson {
        peak_per_ms: f64,
        profile: Profile,
        tz_min: i32,
    },
    /// Sessions start as an inhomogeneous Poisson process; each session is a burst of
    /// requests with exponential gaps.
    Sessions {
        peak_sessions_per_ms: f64,
        profile: Profile,
        tz_min: i32,
        per_session: f64,
        gap_ms: f64,
        left: u32,
    },
    /// Machine-paced load: log-normal gaps with a small coefficient of variation, round the clock.
    Steady { gap_ms: f64, cv: f64 },
    /// A nightly batch window: steady gaps inside `[start_min, start_min + len_min)` UTC each day.
    Nightly {
        gap_ms: f64,
        cv: f64,
        start_min: i64,
        len_min: i64,
    },
}

impl Timing {
    /// Poisson arrivals averaging `per_day` requests a day.
    pub fn poisson(per_day: f64, profile: Profile, tz_min: i32) -> Timing {
        Timing::Poisson {
            peak_per_ms: per_day / (DAY_MS * profile.mean()),
            profile,
            tz_min,
        }
    }

    /// Sessions averaging `per_day` requests a day in sessions of `per_session` requests.
    pub fn sessions(
        per_day: f64,
        profile: Profile,
        tz_min: i32,
        per_session: f64,
        gap_ms: f64,
    ) -> Timing {
        Timing::Sessions {
            peak_sessions_per_ms: per_day / per_session.max(1.0) / (DAY_MS * profile.mean()),
            profile,
            tz_min,
            per_session: per_session.max(1.0),
            gap_ms,
            left: 0,
        }
    }

    /// The next request strictly after `t`, and whether it starts a new session; `None` when it
    /// would fall at or after `limit`.
    pub fn next(&mut self, rng: &mut Rng, t: i64, limit: i64) -> Option<(i64, bool)> {
        let (next, new_session) = match self {
            Timing::Poisson {
                peak_per_ms,
                profile,
                tz_min,
            } => (thin(rng, t, *peak_per_ms, *profile, *tz_min, limit)?, false),
            Timing::Sessions {
                peak_sessions_per_ms,
                profile,
                tz_min,
                per_session,
                gap_ms,
                left,
            } => {
                if *left > 0 {
                    *left -= 1;
                    (t + 1 + rng.exp(*gap_ms) as i64, false)
                } else {
                    let s = thin(rng, t, *peak_sessions_per_ms, *profile, *tz_min, limit)?;
                    // geometric number of further requests with mean per_session - 1
                    let p = 1.0 / *per_session;
                    let extra = ((1.0 - rng.unit()).ln() / (1.0 - p).ln().min(-1e-9)).floor();
                    *left = extra.clamp(0.0, 100_000.0) as u32;
                    (s, true)
                }
            }
            Timing::Steady { gap_ms, cv } => (t + 1 + rng.gap(*gap_ms, *cv) as i64, false),
            Timing::Nightly {
                gap_ms,
                cv,
                start_min,
                len_min,
            } => {
                let mut x = t + 1 + rng.gap(*gap_ms, *cv) as i64;
                let min_of_day = x.div_euclid(60_000).rem_euclid(1440);
                let into = (min_of_day - *start_min).rem_euclid(1440);
                if into >= *len_min {
                    // jump to the start of the next window, plus a little start-up jitter
                    let to_start = 1440 - into;
                    x = (x.div_euclid(60_000) + to_start) * 60_000 + rng.below(120_000) as i64;
                }
                (x, false)
            }
        };
        (next < limit).then_some((next, new_session))
    }
}

/// Thinning: candidate arrivals at the peak rate, each kept with the profile's intensity.
fn thin(
    rng: &mut Rng,
    t: i64,
    peak_per_ms: f64,
    profile: Profile,
    tz: i32,
    limit: i64,
) -> Option<i64> {
    if peak_per_ms <= 0.0 {
        return None;
    }
    let mean_gap = 1.0 / peak_per_ms;
    let mut x = t as f64;
    loop {
        x += rng.exp(mean_gap) + 1.0;
        if x >= limit as f64 {
            return None;
        }
        if rng.unit() < profile.at(x as i64, tz) {
            return Some(x as i64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::rng::child;

    fn count(mut timing: Timing, days: i64) -> (usize, [usize; 24]) {
        let mut rng = child(3, 4, 5);
        let mut t = 0;
        let limit = days * 86_400_000;
        let mut n = 0;
        let mut hours = [0usize; 24];
        while let Some((x, _)) = timing.next(&mut rng, t, limit) {
            assert!(x > t);
            t = x;
            n += 1;
            hours[(x / 3_600_000 % 24) as usize] += 1;
        }
        (n, hours)
    }

    #[test]
    fn rates_match_their_daily_mean() {
        for profile in [Profile::Work, Profile::Consumer, Profile::Flat] {
            let (n, _) = count(Timing::poisson(200.0, profile, 0), 28);
            assert!((4_800..6_400).contains(&n), "{profile:?}: {n}");
            let (n, _) = count(Timing::sessions(200.0, profile, 0, 8.0, 60_000.0), 28);
            assert!((4_000..7_200).contains(&n), "{profile:?} sessions: {n}");
        }
        let (n, _) = count(
            Timing::Steady {
                gap_ms: 864_000.0,
                cv: 0.3,
            },
            28,
        );
        assert!((2_600..2_900).contains(&n), "steady: {n}");
    }

    #[test]
    fn work_hours_follow_the_time_zone() {
        let (_, utc) = count(Timing::poisson(500.0, Profile::Work, 0), 14);
        let (_, tokyo) = count(Timing::poisson(500.0, Profile::Work, 540), 14);
        assert!(utc[14] > 5 * utc[3]);
        // 14:00 in Tokyo is 05:00 UTC
        assert!(tokyo[5] > 5 * tokyo[18]);
    }

    #[test]
    fn nightly_stays_in_its_window() {
        let (n, hours) = count(
            Timing::Nightly {
                gap_ms: 2_000.0,
                cv: 0.3,
                start_min: 60,
                len_min: 180,
            },
            3,
        );
        assert!(n > 10_000);
        for (h, c) in hours.iter().enumerate() {
            if !(1..=4).contains(&h) {
                assert_eq!(*c, 0, "hour {h}");
            }
        }
    }
}
