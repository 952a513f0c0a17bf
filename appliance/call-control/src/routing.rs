//! Where a new call goes: from the configuration's routes (typed: an extension, the echo
//! test, out of a trunk) and what the leg pool says is free. Pure: no actors; the
//! switchboard reserves what the answer names.

use crate::leg_pool::{Hunt, LegPool};
use crate::plan::{InboundTarget, SwitchboardPlan};
use line_boundary::{Cause, ChannelId, LineKind, PhoneNumber};

/// Where the call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Ring the phone on this channel.
    Ring(ChannelId),
    /// Call `called` out of this trunk channel.
    Dial {
        channel: ChannelId,
        called: PhoneNumber,
    },
    /// The built-in echo test.
    Echo,
    /// Run the IVR flow of this name.
    Flow(String),
    /// An agent feature code (`None`: malformed).
    Feature(Option<crate::feature_codes::FeatureCode>),
    /// `*98`: the phone's owner listens to their voicemail.
    Voicemail,
    /// Refuse the call with this cause.
    Reject(Cause),
}

/// The router's answer: the target, and who the call is for (the extension, or the number
/// a route sends out on a trunk, even when no channel was free).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub target: Target,
    pub callee: Option<PhoneNumber>,
}

/// Routes a call from `origin` (a line of `kind`) to `called`. `span_ready` says whether a
/// span can place calls now (its D-channel is up).
pub fn route(
    plan: &SwitchboardPlan,
    pool: &LegPool,
    span_ready: &dyn Fn(u16) -> bool,
    origin: ChannelId,
    kind: LineKind,
    called: Option<&PhoneNumber>,
) -> Routing {
    match kind {
        LineKind::Fxs
            if called.is_some_and(|c| crate::feature_codes::is_voicemail_code(c.as_str())) =>
        {
            Routing {
                target: Target::Voicemail,
                callee: called.cloned(),
            }
        }
        LineKind::Fxs => match called.filter(|c| crate::feature_codes::is_feature_code(c.as_str()))
        {
            Some(code) => Routing {
                target: Target::Feature(crate::feature_codes::parse(code.as_str())),
                callee: Some(code.clone()),
            },
            None => route_dialled(plan, pool, span_ready, origin, called),
        },
        LineKind::Fxo | LineKind::E1 => {
            let called_text = called.map(PhoneNumber::as_str);
            match plan.destination_for(origin.device, called_text) {
                Some(InboundTarget::Echo) => Routing {
                    target: Target::Echo,
                    callee: called.cloned(),
                },
                Some(InboundTarget::Flow(flow)) => Routing {
                    target: Target::Flow(flow.clone()),
                    callee: called.cloned(),
                },
                Some(InboundTarget::Extension(extension)) => Routing {
                    target: match pool.extension(extension) {
                        Some(channel) => ring(pool, channel, origin),
                        None => Target::Reject(Cause::UNALLOCATED_NUMBER),
                    },
                    callee: PhoneNumber::parse(extension).ok().or(called.cloned()),
                },
                None => Routing {
                    target: Target::Reject(Cause::UNALLOCATED_NUMBER),
                    callee: called.cloned(),
                },
            }
        }
    }
}

/// A number dialled on an extension (or an IVR transfer's number, read the same way):
/// another extension, or out of a trunk.
pub fn route_dialled(
    plan: &SwitchboardPlan,
    pool: &LegPool,
    span_ready: &dyn Fn(u16) -> bool,
    origin: ChannelId,
    dialled: Option<&PhoneNumber>,
) -> Routing {
    let Some(dialled) = dialled else {
        return Routing {
            target: Target::Reject(Cause::UNALLOCATED_NUMBER),
            callee: None,
        };
    };
    if let Some(channel) = pool.extension(dialled.as_str()) {
        return Routing {
            target: ring(pool, channel, origin),
            callee: Some(dialled.clone()),
        };
    }
    for outbound in &plan.outbound {
        let Some(number) = outbound.number_for(dialled.as_str()) else {
            continue;
        };
        let Ok(called) = PhoneNumber::parse(&number) else {
            continue;
        };
        let channel = outbound
            .lines
            .iter()
            .filter(|line| span_ready(**line))
            .find_map(|line| {
                let hunt = if plan.hunts_downward(*line) {
                    Hunt::Downward
                } else {
                    Hunt::Upward
                };
                pool.free_trunk(*line, hunt)
            });
        let target = match channel {
            Some(channel) => Target::Dial {
                channel,
                called: called.clone(),
            },
            None => Target::Reject(Cause::NO_CIRCUIT_AVAILABLE),
        };
        // The number the trunk is asked for (the access prefix stripped): what the carrier
        // bills, so what the record shows, whether or not the call got out.
        return Routing {
            target,
            callee: Some(called),
        };
    }
    Routing {
        target: Target::Reject(Cause::UNALLOCATED_NUMBER),
        callee: Some(dialled.clone()),
    }
}

fn ring(pool: &LegPool, channel: ChannelId, origin: ChannelId) -> Target {
    if channel != origin && pool.is_free(channel) {
        Target::Ring(channel)
    } else {
        Target::Reject(Cause::USER_BUSY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leg_pool::LineState;
    use crate::plan::{InboundRoute, OutboundRoute, PriPlan, SpanPlan};

    const TRUNK: ChannelId = ChannelId {
        device: 1,
        channel: 1,
    };
    const EXT_201: ChannelId = ChannelId {
        device: 3,
        channel: 1,
    };
    const EXT_202: ChannelId = ChannelId {
        device: 4,
        channel: 1,
    };

    fn b(ts: u16) -> ChannelId {
        ChannelId {
            device: 7,
            channel: ts,
        }
    }

    fn n(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).unwrap()
    }

    fn plan() -> SwitchboardPlan {
        SwitchboardPlan {
            ports: vec![],
            spans: vec![SpanPlan {
                device: 7,
                name: "carrier".into(),
                pri: Some(PriPlan {
                    role: isdn::q931::Role::User,
                    config: isdn::q931::Config::for_role(isdn::q931::Role::User),
                }),
                bchannels: vec![],
            }],
            inbound: vec![
                InboundRoute {
                    lines: vec![1],
                    called: None,
                    destination: InboundTarget::Extension("201".into()),
                },
                InboundRoute {
                    lines: vec![7],
                    called: Some("100".into()),
                    destination: InboundTarget::Echo,
                },
            ],
            outbound: vec![OutboundRoute {
                prefix: "9".into(),
                strip: 1,
                lines: vec![7],
            }],
            greeting: None,
            ivr: Default::default(),
            ring_timeout_ms: 30_000,
            fault_injection: false,
            epoch_unix_ms: 0,
        }
    }

    fn pool() -> LegPool {
        let mut pool = LegPool::default();
        pool.add(TRUNK, LineKind::Fxo, None);
        pool.add(EXT_201, LineKind::Fxs, Some("201".into()));
        pool.add(EXT_202, LineKind::Fxs, Some("202".into()));
        for ts in 1..=3 {
            pool.add(b(ts), LineKind::E1, None);
        }
        for (channel, _) in pool.entries().map(|(c, e)| (c, e.kind)).collect::<Vec<_>>() {
            pool.line_changed(channel, LineState::Idle, "idle");
        }
        pool
    }

    fn ready(_: u16) -> bool {
        true
    }

    #[test]
    fn a_trunk_call_rings_its_extension_or_is_busy() {
        let plan = plan();
        let mut pool = pool();
        let routed = route(&plan, &pool, &ready, TRUNK, LineKind::Fxo, None);
        assert_eq!(routed.target, Target::Ring(EXT_201));
        assert_eq!(routed.callee, Some(n("201")));
        pool.line_changed(EXT_201, LineState::InUse, "dial_tone");
        let routed = route(&plan, &pool, &ready, TRUNK, LineKind::Fxo, None);
        assert_eq!(routed.target, Target::Reject(Cause::USER_BUSY));
    }

    #[test]
    fn a_span_call_goes_to_the_echo_test_only_for_its_number() {
        let plan = plan();
        let pool = pool();
        let echo = route(&plan, &pool, &ready, b(1), LineKind::E1, Some(&n("100")));
        assert_eq!(echo.target, Target::Echo);
        let unrouted = route(&plan, &pool, &ready, b(1), LineKind::E1, Some(&n("555")));
        assert_eq!(unrouted.target, Target::Reject(Cause::UNALLOCATED_NUMBER));
        assert_eq!(unrouted.callee, Some(n("555")));
    }

    #[test]
    fn an_extension_dials_another_itself_or_out_of_a_trunk() {
        let plan = plan();
        let mut pool = pool();
        let call = route(
            &plan,
            &pool,
            &ready,
            EXT_201,
            LineKind::Fxs,
            Some(&n("202")),
        );
        assert_eq!(call.target, Target::Ring(EXT_202));
        let itself = route(
            &plan,
            &pool,
            &ready,
            EXT_201,
            LineKind::Fxs,
            Some(&n("201")),
        );
        assert_eq!(itself.target, Target::Reject(Cause::USER_BUSY));
        let out = route(
            &plan,
            &pool,
            &ready,
            EXT_201,
            LineKind::Fxs,
            Some(&n("90201234")),
        );
        assert_eq!(
            out.target,
            Target::Dial {
                channel: b(3),
                called: n("0201234")
            },
            "the user side hunts from the top"
        );
        assert_eq!(out.callee, Some(n("0201234")));
        let unknown = route(
            &plan,
            &pool,
            &ready,
            EXT_201,
            LineKind::Fxs,
            Some(&n("555")),
        );
        assert_eq!(unknown.target, Target::Reject(Cause::UNALLOCATED_NUMBER));

        for ts in 1..=3 {
            pool.reserve(b(ts), &"c1".into()).unwrap();
        }
        let full = route(
            &plan,
            &pool,
            &ready,
            EXT_201,
            LineKind::Fxs,
            Some(&n("90201234")),
        );
        assert_eq!(full.target, Target::Reject(Cause::NO_CIRCUIT_AVAILABLE));
        assert_eq!(
            full.callee,
            Some(n("0201234")),
            "named as if it had got out"
        );
        pool.release_call(&"c1".into());
        let down = route(
            &plan,
            &pool,
            &|_| false,
            EXT_201,
            LineKind::Fxs,
            Some(&n("90201234")),
        );
        assert_eq!(
            down.target,
            Target::Reject(Cause::NO_CIRCUIT_AVAILABLE),
            "D-channel down"
        );
    }
}
