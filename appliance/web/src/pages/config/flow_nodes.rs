//! An IVR flow file shown as its list of nodes: each node's name, type and settings, with
//! the check's errors attached to the node and setting on their line. Names, types and
//! positions come from the IVR's own parser; the settings as written from the TOML.

use crate::i18n::{Lang, Msg};
use config_store::FieldError;
use maud::{html, Markup};

/// One node as the page lists it.
#[derive(Debug, PartialEq)]
pub struct NodeView {
    pub name: String,
    pub kind: String,
    /// The line of its `[nodes.NAME]` header (1-based).
    pub line: usize,
    /// Setting name, its value as TOML, its line (0 when not found in the text).
    pub settings: Vec<(String, String, usize)>,
}

/// The line (1-based) of `[nodes.NAME]` (or a quoted name) in `text`.
fn header_line(text: &str, name: &str) -> Option<usize> {
    let plain = format!("[nodes.{name}]");
    let quoted = format!("[nodes.\"{name}\"]");
    text.lines()
        .position(|line| {
            let line = line.trim();
            line.starts_with(&plain) || line.starts_with(&quoted)
        })
        .map(|index| index + 1)
}

/// The line (1-based) where `key = …` is written in the table starting at `header`.
fn setting_line(text: &str, header: usize, key: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(header)
        .take_while(|(_, line)| !line.trim_start().starts_with('['))
        .find(|(_, line)| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |(index, _)| index + 1)
}

/// The nodes of a flow file, in file order; `None` when the text is not TOML with a
/// `[nodes]` table at all.
pub fn nodes(file: &str, text: &str) -> Option<Vec<NodeView>> {
    let table: toml::Table = text.parse().ok()?;
    let node_tables = table.get("nodes")?.as_table()?;
    // The IVR's parser names each node's type as the engine will run it; a flow it
    // refuses (the errors say why) is listed with the types as written.
    let parsed = ivr::flow::Flow::parse(text, file).ok();
    let mut list: Vec<NodeView> = node_tables
        .iter()
        .map(|(name, value)| {
            let from_parser = parsed.as_ref().and_then(|flow| flow.node(name));
            let line = from_parser
                .map(|node| node.at.line as usize)
                .filter(|line| *line > 0)
                .or_else(|| header_line(text, name))
                .unwrap_or(0);
            let kind = match from_parser {
                Some(node) => node.kind.type_name().to_owned(),
                None => value
                    .get("type")
                    .and_then(|kind| kind.as_str())
                    .unwrap_or("?")
                    .to_owned(),
            };
            let settings = value
                .as_table()
                .map(|settings| {
                    settings
                        .iter()
                        .filter(|(key, _)| key.as_str() != "type")
                        .map(|(key, value)| {
                            (
                                key.clone(),
                                value.to_string(),
                                setting_line(text, line, key),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            NodeView {
                name: name.clone(),
                kind,
                line,
                settings,
            }
        })
        .collect();
    list.sort_by_key(|node| node.line);
    Some(list)
}

/// The node an error on `line` concerns: the last one whose header is at or above it.
fn node_of(nodes: &[NodeView], line: usize) -> Option<usize> {
    nodes
        .iter()
        .rposition(|node| node.line > 0 && node.line <= line)
}

/// The node list, with each error under its node and its setting's row marked.
/// `oob` swaps it into the page in place of the previous list.
pub fn render(lang: Lang, file: &str, text: &str, errors: &[&FieldError], oob: bool) -> Markup {
    let id = format!(
        "nodes-{}",
        file.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    );
    let Some(nodes) = nodes(file, text) else {
        return html! {
            div.flow-nodes id=(id) data-file=(file) hx-swap-oob=[oob.then_some("true")] {
                p.field-error { (lang.t(Msg::FlowDoesNotParse)) }
            }
        };
    };
    html! {
        div.flow-nodes id=(id) data-file=(file) hx-swap-oob=[oob.then_some("true")] {
            h4 { (lang.t(Msg::FlowNodes)) }
            ol.nodes {
                @for (index, node) in nodes.iter().enumerate() {
                    @let node_errors: Vec<&&FieldError> = errors.iter().filter(|e| node_of(&nodes, e.line) == Some(index)).collect();
                    li.node.has-error[!node_errors.is_empty()] data-node=(node.name) data-type=(node.kind) data-line=(node.line) {
                        strong.node-name { (node.name) } " " span.badge.node-type { (node.kind) }
                        table.node-settings {
                            thead { tr { th { (lang.t(Msg::NodeSetting)) } th { (lang.t(Msg::NodeValue)) } } }
                            tbody {
                                @for (key, value, line) in &node.settings {
                                    @let wrong = node_errors.iter().any(|e| e.line == *line);
                                    tr data-setting=(key) data-line=(line) class=[wrong.then_some("error")] {
                                        td { code { (key) } } td { code { (value) } }
                                    }
                                }
                            }
                        }
                        @for error in &node_errors {
                            @let setting = node.settings.iter().find(|(_, _, line)| *line == error.line).map(|(key, _, _)| key.as_str()).unwrap_or("");
                            p.field-error.node-error data-node=(node.name) data-setting=(setting)
                                data-line=(error.line) data-column=(error.column) {
                                (lang.t(Msg::ErrorLine)) " " (error.line) ", " (lang.t(Msg::ErrorColumn)) " " (error.column)
                                @if !setting.is_empty() { ", " (lang.t(Msg::ErrorField)) " " code { (setting) } }
                                ": " (crate::i18n::config_reasons::translate_reason(lang, &error.message))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"name = "t"
entry = "main"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "1" = "nowhere" }
timeout_s = 5

[nodes.bye]
type = "hangup"
cause = 16
"#;

    #[test]
    fn nodes_come_in_file_order_with_their_settings_and_lines() {
        let nodes = nodes("flows/t.toml", FLOW).expect("nodes");
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            (
                nodes[0].name.as_str(),
                nodes[0].kind.as_str(),
                nodes[0].line
            ),
            ("main", "menu", 4)
        );
        assert_eq!(
            (
                nodes[1].name.as_str(),
                nodes[1].kind.as_str(),
                nodes[1].line
            ),
            ("bye", "hangup", 10)
        );
        let choices = nodes[0]
            .settings
            .iter()
            .find(|(key, _, _)| key == "choices")
            .expect("choices");
        assert_eq!(choices.2, 7);
        assert!(choices.1.contains("nowhere"), "{}", choices.1);
    }

    #[test]
    fn an_error_is_attached_to_its_node_and_setting() {
        let error = FieldError {
            file: "flows/t.toml".into(),
            line: 7,
            column: 20,
            field: "flow".into(),
            message: "node \"nowhere\" is not defined".into(),
        };
        let html = render(Lang::En, "flows/t.toml", FLOW, &[&error], false).into_string();
        assert!(
            html.contains(r#"data-node="main" data-setting="choices" data-line="7""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<tr class="error" data-setting="choices""#)
                || html.contains(r#"data-setting="choices" data-line="7" class="error""#),
            "{html}"
        );
        assert_eq!(html.matches("node-error").count(), 1, "{html}");
    }

    #[test]
    fn text_that_is_not_toml_says_so() {
        let html = render(Lang::En, "flows/t.toml", "[nodes.main\n", &[], false).into_string();
        assert!(html.contains("cannot be read"), "{html}");
    }
}
