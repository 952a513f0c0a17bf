//! English and Simplified Chinese: every text a page or message shows, in both, chosen
//! per user. A `Msg` is one text; the catalogue is one match, so a text without its
//! translation does not compile.

use serde::{Deserialize, Serialize};

pub mod api_errors;
pub mod config_reasons;
mod templates;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The `lang` attribute of a page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The language's own name (what the picker shows, in any UI language).
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }

    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// A text with values: `{0}`, `{1}`, … of the message replaced by `values` in order
    /// (each language puts them where its grammar wants them).
    pub fn fill(self, msg: Msg, values: &[&str]) -> String {
        let mut text = msg.text(self).to_owned();
        for (index, value) in values.iter().enumerate() {
            text = text.replace(&format!("{{{index}}}"), value);
        }
        text
    }
}

macro_rules! catalogue {
    ($($name:ident => $en:literal, $zh:literal;)*) => {
        /// Every text of the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($name),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$name),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::En) => $en, (Msg::$name, Lang::Zh) => $zh,)*
                }
            }
        }
    };
}

catalogue! {
    AppName => "Call-center box", "呼叫中心一体机";
    SignIn => "Sign in", "登录";
    SignOut => "Sign out", "退出";
    UserName => "User name", "用户名";
    DisplayName => "Display name", "显示名称";
    Password => "Password", "密码";
    PasswordAgain => "Password again", "再次输入密码";
    Language => "Language", "语言";
    Role => "Role", "角色";
    WrongPassword => "Wrong user name or password.", "用户名或密码错误。";
    Throttled => "Too many wrong passwords. Try again in a minute.", "密码错误次数过多，请一分钟后再试。";
    FirstStartTitle => "First start: create the administrator", "首次启动：创建管理员账户";
    FirstStartText => "This box has no account yet. Create the administrator account now; there is no default password.", "本机尚无任何账户。请立即创建管理员账户；系统没有默认密码。";
    CreateAdmin => "Create administrator", "创建管理员";
    PasswordsDiffer => "The two passwords differ.", "两次输入的密码不一致。";
    PasswordTooShort => "The password must have at least 8 characters.", "密码至少需要 8 个字符。";
    SetupDone => "The administrator exists already.", "管理员账户已存在。";
    Dashboard => "Dashboard", "仪表盘";
    Wallboard => "Wallboard", "大屏看板";
    AgentDesk => "Agent desktop", "坐席工作台";
    LiveCalls => "Live calls", "实时通话";
    Recordings => "Recordings", "录音";
    Reports => "Reports", "报表";
    Alerts => "Alerts", "告警";
    Configuration => "Configuration", "配置";
    Users => "Users", "用户";
    ApiTokens => "API tokens", "API 令牌";
    AuditLog => "Audit log", "审计日志";
    Account => "My account", "我的账户";
    Save => "Save", "保存";
    Saved => "Saved.", "已保存。";
    Add => "Add", "添加";
    Remove => "Remove", "删除";
    Revoke => "Revoke", "吊销";
    Disabled => "Disabled", "已停用";
    AgentId => "Agent id", "坐席工号";
    When => "When", "时间";
    Who => "Who", "操作人";
    What => "What", "操作";
    Target => "Target", "对象";
    Before => "Before", "修改前";
    After => "After", "修改后";
    Status => "Status", "状态";
    NotAllowed => "You may not open this page.", "您无权打开此页面。";
    RoleAdmin => "Administrator", "管理员";
    RoleTechnician => "Technician", "技术员";
    RoleSupervisor => "Supervisor", "班长";
    RoleAgent => "Agent", "坐席";
    TokenShownOnce => "Copy this token now; it is not shown again:", "请立即复制此令牌，它不会再次显示：";
    TokenName => "Token name", "令牌名称";
    Created => "Created", "创建时间";
    LastUsed => "Last used", "最近使用";
    Never => "never", "从未";
    ChangePassword => "Change password", "修改密码";
    CurrentPassword => "Current password", "当前密码";
    NewPassword => "New password", "新密码";
    Spans => "Spans and ports", "中继与端口";
    Channels => "Channels", "信道";
    SystemFigures => "System", "系统";
    Version => "Version", "版本";
    Uptime => "Uptime", "运行时间";
    Disk => "Disk", "磁盘";
    Cpu => "CPU", "处理器";
    Lateness => "Media lateness p99", "媒体时延 p99";
    FramesDropped => "Frames dropped", "丢帧数";
    Connected => "connected", "已连接";
    Unplugged => "unplugged", "未连接";
    DChannelUp => "D-channel up", "D 信道已建立";
    DChannelDown => "D-channel down", "D 信道未建立";
    Alarm => "Alarm", "告警";
    NoAlarm => "no alarm", "无告警";
    ActiveCall => "Call", "通话";
    Idle => "idle", "空闲";
    Queue => "Queue", "队列";
    Waiting => "Waiting", "排队中";
    LongestWait => "Longest wait", "最长等待";
    ServiceLevel => "Service level today", "今日服务水平";
    AbandonedToday => "Abandoned today", "今日放弃";
    AgentsReady => "Agents ready", "就绪坐席";
    Notices => "Notices", "通知";
    NoAlerts => "No active alerts.", "没有活动告警。";
    Live => "live", "实时";
    Reconnecting => "reconnecting…", "正在重新连接…";
    StateLoggedOut => "Logged out", "已签出";
    StateReady => "Ready", "就绪";
    StateReserved => "Ringing", "振铃中";
    StateOnCallInbound => "On a call", "通话中";
    StateOnCallOutbound => "Calling out", "外呼中";
    StateOnHold => "On hold", "保持中";
    StateWrapUp => "Wrap-up", "话后处理";
    StateNotReady => "Not ready", "未就绪";
    Agents => "Agents", "坐席";
    Reason => "Reason", "原因";
    Caller => "Caller", "来电信息";
    EarlierCalls => "Earlier calls", "历史来电";
    Note => "Note", "备注";
    Disposition => "Disposition", "处理结果";
    Today => "Today", "今日";
    Answered => "Answered", "已接听";
    TalkTime => "Talk time", "通话时长";
    AverageHandleTime => "Average handle time", "平均处理时长";
    NoCall => "No call now.", "当前没有来电。";
    Number => "Number", "号码";
    Name => "Name", "姓名";
    IvrPath => "IVR path", "IVR 路径";
    Variables => "Variables", "变量";
    WrapUpEndsIn => "Wrap-up ends in", "话后处理剩余";
    NotBound => "This account is not bound to an agent.", "此账户未绑定坐席。";
    LogInAtPhone => "Log in at phone", "在话机登录";
    Extension => "Extension", "分机";
    LogOut => "Log out", "签出";
    Waited => "Waited", "等待时长";
    NoEarlierCalls => "No earlier calls.", "没有历史来电。";
    SaveNote => "Save note", "保存备注";
    Log => "Log", "日志";
    LevelAtLeast => "Level at least", "最低级别";
    Message => "Message", "消息";
    Captures => "D-channel captures", "D 信道抓包";
    StartCapture => "Start capture", "开始抓包";
    StopCapture => "Stop capture", "停止抓包";
    CaptureFiles => "Capture files", "抓包文件";
    Size => "Size", "大小";
    // --- supervisor pages (live calls, recordings, reports, alerts) ---
    NoLiveCalls => "No live calls.", "当前没有通话。";
    CallFrom => "From", "主叫";
    CallTo => "To", "被叫";
    CallStep => "Now in", "当前环节";
    CallAge => "Duration", "时长";
    Supervising => "Supervisor", "监控班长";
    Listen => "Listen", "监听";
    Whisper => "Whisper", "密语";
    Barge => "Barge in", "强插";
    TakeOver => "Take over", "接管";
    YourExtension => "Your phone's extension", "您的话机分机号";
    SupervisePhoneRings => "Your phone rings: answer it to join the call.", "您的话机正在振铃：接听即可加入通话。";
    Refused => "Refused", "已拒绝";
    ChangeAgentState => "Change an agent's state", "更改坐席状态";
    NewState => "New state", "新状态";
    LogIn => "Log in", "签入";
    Apply => "Apply", "应用";
    StateChanged => "State changed.", "状态已更改。";
    BroadcastNotice => "Broadcast a notice", "发布通知";
    NoticeText => "Text", "内容";
    AllQueues => "All queues", "所有队列";
    Minutes => "Minutes", "分钟";
    Broadcast => "Broadcast", "发布";
    NoticePosted => "Notice posted.", "通知已发布。";
    DateFrom => "From date", "开始日期";
    DateTo => "To date", "结束日期";
    Search => "Search", "搜索";
    Started => "Started", "开始时间";
    Duration => "Duration", "时长";
    Playback => "Playback", "回放";
    DownloadWav => "WAV", "WAV 下载";
    NoRecordings => "No recordings found.", "未找到录音。";
    PerQueue => "Per queue", "按队列";
    PerAgent => "Per agent", "按坐席";
    Interval => "Interval", "时间粒度";
    Interval15m => "15 minutes", "15 分钟";
    Interval1h => "1 hour", "1 小时";
    Interval1d => "1 day", "1 天";
    Interval1w => "1 week", "1 周";
    Interval1mo => "1 month", "1 个月";
    Show => "Show", "显示";
    CallVolume => "Calls per interval", "各时段呼叫量";
    Offered => "Offered", "呼入";
    Abandoned => "Abandoned", "放弃";
    ServiceLevelPercent => "Service level %", "服务水平 %";
    AverageHandleSeconds => "Average handle time (s)", "平均处理时长（秒）";
    Offers => "Offers", "分配";
    OccupancyPercent => "Occupancy %", "占用率 %";
    IntervalStart => "Interval (UTC)", "时段（UTC）";
    ExportCsv => "Export CSV", "导出 CSV";
    NoData => "No data", "无数据";
    ActiveAlerts => "Active alerts", "活动告警";
    ClearedAlerts => "Cleared alerts", "已解除告警";
    Raised => "Raised", "发生时间";
    Cleared => "Cleared", "解除时间";
    Acknowledge => "Acknowledge", "确认";
    AcknowledgedBy => "Acknowledged by", "确认人";
    NoClearedAlerts => "No cleared alerts.", "没有已解除的告警。";
    AlertKind => "Kind", "类型";
    AlertText => "Alert", "告警内容";
    // --- end of supervisor pages ---
    // --- technician configuration pages ---
    ConfigVersions => "Versions", "版本";
    ConfigBackup => "Backup and restore", "备份与恢复";
    CurrentVersion => "Current version", "当前版本";
    GroupSystemLines => "System and lines (spans and ports)", "系统与线路（中继与端口）";
    GroupTrunksRoutes => "Trunks and routes", "中继与路由";
    GroupIvrFlows => "IVR flows", "IVR 流程";
    GroupQueues => "Queues", "队列";
    GroupAgents => "Agents", "坐席";
    GroupRecording => "Recording", "录音";
    GroupPrompts => "Prompts", "提示音";
    GroupSchedules => "Schedules", "时间表";
    GroupOther => "Other files", "其他文件";
    CheckConfig => "Check", "检查";
    ApplyLive => "Apply live", "在线应用";
    ChangeComment => "Comment", "备注";
    ConfigOk => "No errors: this configuration can be applied.", "没有错误：此配置可以应用。";
    ConfigHasErrors => "The configuration has errors. Nothing was applied.", "配置有错误，未应用任何更改。";
    ConfigCheckErrors => "The configuration has errors; it would not be applied.", "配置有错误，将不会被应用。";
    AppliedVersion => "Applied as version", "已应用为版本";
    RestartRequired => "Takes effect at the next restart", "下次重启后生效";
    ConfigNotes => "Notes", "说明";
    ErrorLine => "Line", "行";
    ErrorColumn => "Column", "列";
    ErrorField => "Field", "字段";
    FlowNodes => "Nodes", "节点";
    NodeName => "Node", "节点名";
    NodeType => "Type", "类型";
    NodeSetting => "Setting", "设置项";
    NodeValue => "Value", "值";
    FlowDoesNotParse => "The flow cannot be read as TOML; see the errors.", "无法按 TOML 读取该流程，请查看错误。";
    PromptTry => "Try a prompt", "试听提示音";
    PromptName => "Prompt name", "提示音名称";
    PromptText => "Text to speak", "朗读文本";
    PromptLanguage => "Language", "语言";
    PromptEnglish => "English", "英语";
    PromptMandarin => "Mandarin", "普通话";
    ListenPrompt => "Listen", "试听";
    AddToPrompts => "Add to prompts.toml (then apply)", "添加到 prompts.toml（然后应用）";
    PromptTooLong => "The text is empty or too long.", "文本为空或过长。";
    PromptSynthesisFailed => "The text could not be synthesized", "无法合成该文本";
    VersionNumber => "Version", "版本号";
    VersionUser => "By", "操作人";
    VersionTime => "Applied (UTC)", "应用时间（UTC）";
    VersionCurrent => "Current", "当前";
    ShowDiff => "Diff with current", "与当前版本比较";
    Rollback => "Roll back", "回滚";
    RolledBack => "Rolled back: now version", "已回滚：当前为版本";
    NoDifference => "No difference from the current version.", "与当前版本没有差异。";
    DownloadBackup => "Download a backup", "下载备份";
    RestoreBackup => "Restore a backup", "恢复备份";
    RestoreButton => "Restore", "恢复";
    RestoreRefusedMsg => "The archive was refused; nothing was changed", "备份文件被拒绝，未做任何更改";
    Restored => "Restored: configuration version", "已恢复：配置版本";
    RestoredFiles => "Files in the archive", "备份中的文件";
    BackupMade => "Archive made", "备份时间";
    DatabaseRestore => "Database", "数据库";
    ConfigFailed => "The configuration keeper failed", "配置管理出错";
    RollbackConfirm => "Apply this version again, as a new version?", "将此版本重新应用为一个新版本？";
    RecordedPrompt => "Recorded prompt (WAV file)", "录制的提示音（WAV 文件）";
    ListenAsCall => "Listen as a caller hears it", "按来电者听到的音质试听";
    SaveRecording => "Save the recording and apply", "保存录音并应用";
    WavRefused => "The recording cannot be used", "无法使用该录音";
    BadPromptName => "Give the prompt a name of letters, digits, - and _, and a language.", "请为提示音命名（仅限字母、数字、- 和 _）并选择语言。";
    // --- end of technician configuration pages ---
    // --- configuration forms ---
    ConfigForms => "Forms", "表单";
    FormFiles => "Files", "文件";
    FormSpans => "E1 spans", "E1 中继";
    FormFxoPorts => "Analog trunks (FXO)", "模拟中继（FXO）";
    FormFxsPorts => "Phones (FXS)", "话机（FXS）";
    FormInbound => "Inbound routes", "呼入路由";
    FormOutbound => "Outbound routes", "呼出路由";
    FormQueues => "Queues", "队列";
    FormAgents => "Agents", "坐席";
    FormGeneral => "General settings", "常规设置";
    FormDefault => "(default)", "（默认）";
    FormYes => "yes", "是";
    FormNo => "no", "否";
    FormListHint => "separated by commas", "以逗号分隔";
    FormTomlHint => "as TOML", "TOML 格式";
    FormAddSetting => "Add a setting", "添加设置项";
    FormValueToml => "Value (TOML)", "值（TOML 格式）";
    FormRemoveEntry => "Remove this entry", "删除此条目";
    FormNewName => "Name of the new entry", "新条目名称";
    FormAddEntry => "Add", "添加";
    FormUnsaved => "Changes not applied yet: check them, then apply.", "更改尚未应用：请先检查，再应用。";
    FormNoSuchFile => "No form for this file", "此文件没有表单";
    FormUnreadable => "The form cannot be read.", "无法读取该表单。";
    FormStale => "The configuration was changed by someone else since this form was opened; it now shows the current version. Make your change again.", "打开此表单后配置已被他人更改；现显示当前版本，请重新修改。";
    FormHasProblems => "Some fields cannot be written; nothing was changed.", "部分字段无法写入，未做任何更改。";
    FormNotWholeNumber => "not a whole number", "不是整数";
    FormNotWholeNumbers => "not whole numbers separated by commas", "不是以逗号分隔的整数";
    FormNotNumber => "not a number", "不是数字";
    FormNotYesNo => "choose yes, no or the default", "请选择是、否或默认";
    FormNotTomlValue => "not a TOML value (text goes in quotes: \"text\")", "不是 TOML 值（文本需加引号：\"文本\"）";
    FormNotToml => "The file is not valid TOML; mend it in the text editor", "文件不是有效的 TOML，请在文本编辑器中修改";
    FormBadName => "a name is 1 to 64 letters, digits, - and _", "名称须为 1 至 64 个字母、数字、- 或 _";
    FormSettingExists => "this setting is already there", "该设置项已存在";
    FormNameTaken => "this name is already used", "该名称已被使用";
    LabelName => "Name", "名称";
    LabelId => "Device id (unique on the box)", "设备编号（全机唯一）";
    LabelTonePlan => "Tone plan (dial, ringback, busy tones)", "信号音制式（拨号音、回铃音、忙音）";
    LabelClock => "Clock (realtime, or lockstep for test rigs)", "时钟（实时，或测试台用的同步步进）";
    LabelLogLevel => "Log level", "日志级别";
    LabelWebListen => "Web address and port", "网页地址与端口";
    LabelWebPlainHttp => "Plain HTTP (loopback only)", "明文 HTTP（仅限本机回环）";
    LabelSessionIdle => "Sign-out after idle (minutes)", "空闲后自动退出（分钟）";
    LabelDeviceDir => "Device directory", "设备目录";
    LabelSoundsDir => "Prompt sounds directory", "提示音目录";
    LabelMusicDir => "Hold music directory", "等待音乐目录";
    LabelLookupCa => "CA certificate for lookups", "查询所用 CA 证书";
    LabelSpanKind => "Span kind", "中继类型";
    LabelSignalling => "Signalling", "信令";
    LabelSwitch => "ISDN switch variant", "ISDN 交换机变体";
    LabelChannels => "B-channel timeslots (e.g. 1-15,17-31)", "B 信道时隙（如 1-15,17-31）";
    LabelOverlap => "Overlap dialling", "重叠拨号";
    LabelNationalPrefix => "National dialling prefix", "国内长途字冠";
    LabelInternationalPrefix => "International dialling prefix", "国际长途字冠";
    LabelLineNumber => "The line's own number", "本线路号码";
    LabelCallerId => "Caller ID signalling", "来电显示制式";
    LabelDisconnect => "Disconnect supervision (battery, polarity, busy_tone)", "拆线检测（馈电、极性、忙音）";
    LabelExtension => "Extension number", "分机号";
    LabelDisplayName => "Name shown on the phone", "话机显示名称";
    LabelGreeting => "Greeting prompt", "欢迎提示音";
    LabelRingTimeout => "Ring timeout (seconds)", "振铃超时（秒）";
    LabelRouteLines => "Trunk lines (device ids)", "中继线路（设备编号）";
    LabelCalled => "Only calls to this number", "仅限呼叫此号码";
    LabelDestination => "Destination (extension, echo, flow:NAME)", "目的地（分机、echo、flow:流程名）";
    LabelPrefix => "Dialled prefix", "拨号字冠";
    LabelStrip => "Digits removed before dialling out", "外拨前删除的位数";
    LabelVipNumbers => "VIP caller numbers", "VIP 来电号码";
    LabelVipBoost => "VIP priority boost", "VIP 优先级提升";
    LabelNotReadyReasons => "Not-ready reasons", "示忙原因";
    LabelDefaultHandleTime => "Handle time for wait estimates (seconds)", "估算等待用的处理时长（秒）";
    LabelStrategy => "Ring strategy", "振铃策略";
    LabelSkills => "Skills and levels", "技能与等级";
    LabelWiden => "Skill widening steps", "技能放宽步骤";
    LabelMaxMissed => "Missed offers before not-ready", "未接几次后示忙";
    LabelWrapUp => "Wrap-up time (seconds)", "话后处理时间（秒）";
    LabelMaxWait => "Longest wait (seconds)", "最长等待（秒）";
    LabelOverflow => "Overflow (queue:NAME, flow:NAME, callback, voicemail)", "溢出去向（queue:队列名、flow:流程名、callback、voicemail）";
    LabelServiceLevel => "Service level (answered within, seconds)", "服务水平（多少秒内接听）";
    LabelAnnounceEvery => "Position announcement every (seconds)", "排队位置播报间隔（秒）";
    LabelWhenNoAgents => "When no agent is logged in (join, leave)", "无坐席登录时（加入、离开）";
    LabelMusic => "Hold music", "等待音乐";
    LabelAlertWaiting => "Alert at this many waiting callers", "等待人数达到此值时告警";
    LabelAlertLongestWait => "Alert at this longest wait (seconds)", "最长等待达到此值时告警（秒）";
    LabelSurvey => "Post-call survey", "通话后满意度调查";
    LabelTransferNumber => "Number agents transfer to this queue with", "坐席转接到此队列的号码";
    LabelPin => "PIN (4 to 8 digits)", "密码（4 至 8 位数字）";
    LabelAgentQueues => "Queues", "所属队列";
    LabelEntry => "First node", "起始节点";
    LabelLanguage => "Language", "语言";
    LabelNodeType => "Node type", "节点类型";
    LabelPrompt => "Prompt", "提示音";
    LabelText => "Text to speak", "朗读文本";
    LabelNext => "Next node", "下一节点";
    LabelBargeIn => "A key stops the prompt", "按键可打断提示音";
    LabelChoices => "Choices (key = node)", "选项（按键 = 节点）";
    LabelTimeout => "Wait for a key (seconds)", "等待按键（秒）";
    LabelInvalidPrompt => "Prompt after a wrong key", "按错键后的提示音";
    LabelTimeoutPrompt => "Prompt after no key", "未按键时的提示音";
    LabelMaxRetries => "Retries", "重试次数";
    LabelOnFailure => "Node after the last failure", "最终失败后的节点";
    LabelMinDigits => "Fewest digits", "最少位数";
    LabelMaxDigits => "Most digits", "最多位数";
    LabelTerminator => "Key that ends the entry", "结束输入的按键";
    LabelInto => "Variable to store the digits in", "保存号码的变量";
    LabelSayWhat => "Read as", "读法";
    LabelValue => "Value", "值";
    LabelVariable => "Variable", "变量";
    LabelCases => "Cases (value = node)", "分支（值 = 节点）";
    LabelDefaultNode => "Otherwise go to", "否则转到";
    LabelSchedule => "Schedule", "时间表";
    LabelOpen => "Node when open", "营业时的节点";
    LabelClosed => "Node when closed", "非营业时的节点";
    LabelUrl => "Lookup URL", "查询网址";
    LabelTimeoutMs => "Lookup timeout (milliseconds)", "查询超时（毫秒）";
    LabelFields => "Answer fields to variables", "应答字段到变量";
    LabelTransferTo => "Transfer to", "转接至";
    LabelQueue => "Queue", "队列";
    LabelPriority => "Priority", "优先级";
    LabelExtensions => "Extensions to ring", "振铃分机";
    LabelCause => "Hang-up cause (Q.850)", "挂机原因（Q.850）";
    LabelMailbox => "Voicemail box", "语音信箱";
    LabelMaxLength => "Longest message (seconds)", "最长留言（秒）";
    LabelNotReadyLimit => "Alert when not ready longer than (minutes)", "示忙超过此时长告警（分钟）";
    LabelNotReadyLimits => "Limits per reason (reason = minutes)", "按原因的时限（原因 = 分钟）";
    LabelSurgeWindow => "Surge window (minutes)", "激增统计窗口（分钟）";
    LabelSurgeBaseline => "Baseline (minutes)", "基准时段（分钟）";
    LabelSurgeFactor => "Surge factor over the baseline", "相对基准的激增倍数";
    LabelSurgeMinCalls => "Fewest calls for a surge", "构成激增的最少呼叫数";
    LabelAreaCodeDigits => "Area code digits", "区号位数";
    LabelRecord => "Record (always, never, on-demand, or a share like 33%)", "录音（always、never、on-demand 或比例如 33%）";
    LabelRetentionDays => "Keep recordings (days)", "录音保留（天）";
    LabelMinFree => "Stop recording below this free disk (%)", "磁盘剩余低于此值时停止录音（%）";
    LabelMaxDisk => "Most disk for recordings (%)", "录音最多占用磁盘（%）";
    LabelDirectory => "Recordings directory", "录音目录";
    LabelWeekly => "Weekly hours (e.g. mon-fri 08:00-20:00)", "每周时段（如 mon-fri 08:00-20:00）";
    LabelHolidays => "Holidays (dates)", "节假日（日期）";
    LabelUtcOffset => "UTC offset (e.g. +08:00)", "UTC 时差（如 +08:00）";
    LabelEnglishText => "English text", "英文文本";
    LabelChineseText => "Chinese text", "中文文本";
    LabelRecordDefault => "Recording when no rule matches", "无规则匹配时的录音方式";
    FormRecordTrunks => "Recording per trunk", "按中继录音";
    FormRecordQueues => "Recording per queue", "按队列录音";
    FormRecordExtensions => "Recording per extension", "按分机录音";
    FormRecordAgents => "Recording per agent", "按坐席录音";
    FormSchedules => "Schedules", "时间表";
    FormPrompts => "Text prompts", "文本提示音";
    // --- end of configuration forms ---
    // --- server messages ---
    // Refusals of the account store (`auth::refusal`) and what else the server answers a
    // page with; `{0}` is a value (`Lang::fill`).
    RefusedUserName => "A user name is 1-32 letters, digits, '-', '_' or '.'.", "用户名须为 1-32 个字母、数字、“-”、“_”或“.”。";
    RefusedDisplayName => "The display name must have 1-64 characters.", "显示名称须为 1-64 个字符。";
    RefusedAgentIdMissing => "An agent user needs the agent id they work as.", "坐席用户须填写其坐席工号。";
    RefusedUserExists => "A user named {0} exists already.", "名为 {0} 的用户已存在。";
    RefusedLastAdmin => "This is the last administrator: make another user an administrator first.", "这是最后一个管理员：请先将另一个用户设为管理员。";
    RefusedUnknownRole => "Unknown role {0}.", "未知的角色 {0}。";
    RefusedPasswordTooShort => "The password must have at least {0} characters.", "密码至少需要 {0} 个字符。";
    RefusedTokenName => "A token's name is 1-64 letters, digits, '-', '_' or '.'.", "令牌名称须为 1-64 个字母、数字、“-”、“_”或“.”。";
    RefusedTokenTooShort => "An API token must have at least {0} characters.", "API 令牌至少需要 {0} 个字符。";
    AccountStoreFailed => "The account store failed", "账户存储出错";
    NoSuchUser => "No such user.", "没有此用户。";
    NoSuchToken => "No such token.", "没有此令牌。";
    LanguageMustBe => "The language must be English (en) or Chinese (zh).", "语言必须是英语（en）或中文（zh）。";
    TokenHasNoPassword => "An API token has no password.", "API 令牌没有密码。";
    CannotSignIn => "Cannot sign in", "无法登录";
    UnknownAgentState => "Unknown state {0}.", "未知的状态 {0}。";
    MibFree => "MiB free", "MiB 可用";
    AlertsNotAnswering => "The alerts are not answering", "告警服务无响应";
    RecordingsUnreadable => "Cannot read the recordings", "无法读取录音";
    ReportFailed => "The report failed ({0})", "报表生成失败（{0}）";
    NotCaptureName => "Not a capture file name.", "不是抓包文件名。";
    NoSuchCapture => "No such capture.", "没有此抓包文件。";
    CaptureUnreadable => "Cannot read the capture", "无法读取抓包文件";
    // --- end of server messages ---
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_a_chinese_translation_that_is_chinese() {
        for msg in Msg::ALL {
            let en = msg.text(Lang::En);
            let zh = msg.text(Lang::Zh);
            assert!(!en.is_empty(), "{msg:?}");
            assert_ne!(en, zh, "{msg:?} is not translated");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{msg:?}'s Chinese text has no Chinese character: {zh}"
            );
        }
    }

    #[test]
    fn both_languages_of_a_text_have_the_same_placeholders() {
        let placeholders = |text: &str| -> Vec<String> {
            (0..10)
                .map(|index| format!("{{{index}}}"))
                .filter(|p| text.contains(p.as_str()))
                .collect()
        };
        for msg in Msg::ALL {
            assert_eq!(
                placeholders(msg.text(Lang::En)),
                placeholders(msg.text(Lang::Zh)),
                "{msg:?}"
            );
        }
        assert_eq!(
            Lang::Zh.fill(Msg::RefusedUserExists, &["ann"]),
            "名为 ann 的用户已存在。"
        );
    }
}
