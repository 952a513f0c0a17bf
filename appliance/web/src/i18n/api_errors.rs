//! The refusals of the JSON API a page passes on (the live calls page's agent states,
//! supervision and notices, the alerts page's acknowledgement) in the user's language.
//! The API keeps its English words for integrations; a page renders them here, with
//! the values kept. A refusal no template knows stays English.

use super::templates::Templates;
use super::Lang;
use std::borrow::Cow;

const API_ERRORS: Templates = Templates {
    reasons: &[
        // The actors behind the API (their detail follows, as written).
        ("ACD not answering: {0}", "ACD 无响应：{0}"),
        ("switchboard not answering: {0}", "交换控制无响应：{0}"),
        ("notices not answering: {0}", "通知服务无响应：{0}"),
        ("alerts not answering: {0}", "告警服务无响应：{0}"),
        (
            "an agent may change only their own state",
            "坐席只能更改自己的状态",
        ),
        // The ACD core (`acd::AcdError`).
        ("no queue `{0}`", "没有队列 `{0}`"),
        ("no agent `{0}`", "没有坐席 `{0}`"),
        ("no call `{0}` in the ACD", "ACD 中没有呼叫 `{0}`"),
        ("call `{0}` is already in the ACD", "呼叫 `{0}` 已在 ACD 中"),
        ("priority {0} is not within 0-9", "优先级 {0} 不在 0-9 之间"),
        (
            "skill `{0}` level {1} is not within 1-10",
            "技能 `{0}` 的等级 {1} 不在 1-10 之间",
        ),
        (
            "`{0}` is not a configured not-ready reason",
            "`{0}` 不是已配置的未就绪原因",
        ),
        ("agent `{0}` is not logged in", "坐席 `{0}` 未签入"),
        ("agent `{0}` is not on a call", "坐席 `{0}` 不在通话中"),
        (
            "agent `{0}` is not holding a call",
            "坐席 `{0}` 没有保持中的通话",
        ),
        ("agent `{0}` is {1:phrase}", "坐席 `{0}` 当前{1}"),
        (
            "device `{0}` is in use by agent `{1}`",
            "设备 `{0}` 正被坐席 `{1}` 使用",
        ),
        (
            "call `{0}` is not offered to agent `{1}`",
            "呼叫 `{0}` 没有分配给坐席 `{1}`",
        ),
        ("call `{0}` is not answered", "呼叫 `{0}` 尚未接听"),
        ("call `{0}` is already a callback", "呼叫 `{0}` 已是回呼"),
        (
            "call `{0}` is an outbound call of its agent, not a queue call",
            "呼叫 `{0}` 是坐席的外呼，不是队列呼叫",
        ),
        // Supervision (`SuperviseError`, `SuperviseRefused`).
        ("no live call {0}", "没有进行中的通话 {0}"),
        ("{0} is not an extension of the box", "{0} 不是本机的分机"),
        ("extension {0} is busy", "分机 {0} 正忙"),
        (
            "the call is not an agent call (it runs {0})",
            "此通话不是坐席通话（它正在运行 {0}）",
        ),
        (
            "the call is supervised from {0} already",
            "此通话已由 {0} 监控",
        ),
        ("{0} is a party to the call", "{0} 是此通话的一方"),
        ("the call has ended", "通话已结束"),
        // Notices and alerts (`NoticeError`, `AckError`).
        ("the notice is empty", "通知为空"),
        (
            "the notice is {0} characters long; at most {1}",
            "通知有 {0} 个字符；最多 {1} 个",
        ),
        (
            "a notice stays up for 1 s to 7 days, not {0} ms",
            "通知的显示时长须为 1 秒至 7 天，而不是 {0} 毫秒",
        ),
        ("no notice {0} up", "没有正在显示的通知 {0}"),
        ("no alert {0}", "没有告警 {0}"),
        ("alert {0} is acknowledged already", "告警 {0} 已被确认"),
    ],
    // An agent's state as the ACD writes it (`AgentStateKind`'s Debug).
    phrases: &[
        ("LoggedOut", "已签出"),
        ("Ready", "就绪"),
        ("Reserved", "振铃中"),
        ("OnCallInbound", "通话中"),
        ("OnCallOutbound", "外呼中"),
        ("OnHold", "保持中"),
        ("WrapUp", "话后处理中"),
        ("NotReady", "未就绪"),
    ],
};

/// An API refusal as a page shows it, in `lang` (English when no template knows it).
pub fn translate_api_error(lang: Lang, error: &str) -> Cow<'_, str> {
    match lang {
        Lang::En => Cow::Borrowed(error),
        Lang::Zh => API_ERRORS
            .chinese(error)
            .map_or(Cow::Borrowed(error), Cow::Owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use box_config::acd::{AcdError, AgentId, AgentStateKind, CallKey, QueueName};
    use box_config::alerts::{AckError, NoticeError};
    use call_control::session::SuperviseRefused;
    use call_control::switchboard::SuperviseError;

    /// Every refusal the pages pass on, as the real errors write it.
    fn every_refusal() -> Vec<String> {
        let agent = || AgentId::from("201");
        let call = || CallKey::from("call-7");
        let mut texts: Vec<String> = vec![
            AcdError::UnknownQueue(QueueName::from("billing")),
            AcdError::UnknownAgent(agent()),
            AcdError::UnknownCall(call()),
            AcdError::DuplicateCall(call()),
            AcdError::Priority(12),
            AcdError::SkillLevel {
                skill: "english".into(),
                level: 11,
            },
            AcdError::UnknownReason("nap".into()),
            AcdError::NotLoggedIn(agent()),
            AcdError::DeviceInUse {
                device: "fxs-3".into(),
                agent: AgentId::from("202"),
            },
            AcdError::NoSuchOffer {
                call: call(),
                agent: agent(),
            },
            AcdError::NotConnected(call()),
            AcdError::AlreadyCallback(call()),
            AcdError::NotOnCall(agent()),
            AcdError::NotOnHold(agent()),
            AcdError::NotAQueueCall(call()),
        ]
        .into_iter()
        .map(|error| error.to_string())
        .collect();
        for state in [
            AgentStateKind::LoggedOut,
            AgentStateKind::Ready,
            AgentStateKind::Reserved,
            AgentStateKind::OnCallInbound,
            AgentStateKind::OnCallOutbound,
            AgentStateKind::OnHold,
            AgentStateKind::WrapUp,
            AgentStateKind::NotReady,
        ] {
            texts.push(
                AcdError::AgentBusy {
                    agent: agent(),
                    state,
                }
                .to_string(),
            );
        }
        texts.extend(
            [
                SuperviseError::NoSuchCall("call-7".into()),
                SuperviseError::UnknownExtension("299".into()),
                SuperviseError::ExtensionBusy("204".into()),
                SuperviseError::Refused(SuperviseRefused::NotAgentCall { application: "ivr" }),
                SuperviseError::Refused(SuperviseRefused::Supervised {
                    extension: "204".into(),
                }),
                SuperviseError::Refused(SuperviseRefused::Party {
                    extension: "201".into(),
                }),
                SuperviseError::Refused(SuperviseRefused::Ended),
            ]
            .iter()
            .map(ToString::to_string),
        );
        texts.extend(
            [
                NoticeError::Empty,
                NoticeError::TooLong(300),
                NoticeError::Expiry(0),
                NoticeError::Unknown(9),
            ]
            .iter()
            .map(ToString::to_string),
        );
        texts.extend(
            [AckError::Unknown(5), AckError::Already(5)]
                .iter()
                .map(ToString::to_string),
        );
        texts.extend(
            [
                "ACD not answering: mailbox closed",
                "switchboard not answering: mailbox closed",
                "notices not answering: mailbox closed",
                "alerts not answering: mailbox closed",
                "an agent may change only their own state",
            ]
            .map(str::to_owned),
        );
        texts
    }

    #[test]
    fn every_refusal_a_page_passes_on_reads_in_chinese_with_its_values() {
        assert!(
            API_ERRORS.problems().is_empty(),
            "{:?}",
            API_ERRORS.problems()
        );
        for english in every_refusal() {
            let zh = translate_api_error(Lang::Zh, &english);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "no translation: {english}"
            );
            for value in english
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .chain(
                    english
                        .split(|c: char| !c.is_ascii_digit())
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned),
                )
            {
                assert!(zh.contains(&value), "{value:?} lost: {english} → {zh}");
            }
            assert_eq!(translate_api_error(Lang::En, &english), english);
        }
    }
}
