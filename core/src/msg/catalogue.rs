//! The catalogue itself: one row per message — key, stable code, Chinese and English templates.
//! `{name}` is an argument; text between backticks is a command or flag, the same in both languages.
//! Chinese templates quote values with “”, English ones with "".

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $key:ident = $code:literal { $zh:literal, $en:literal } )*) => {
        /// Every message Signoff can show. The code is stable (programs, the UI and the server's
        /// answers use it); the words may change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[non_exhaustive]
        pub enum Key {
            $( $(#[$doc])* #[serde(rename = $code)] $key, )*
        }

        impl Key {
            /// Every key, in catalogue order.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $(Key::$key => $code,)* }
            }

            /// The key with this code.
            pub fn from_code(code: &str) -> Option<Key> {
                match code { $($code => Some(Key::$key),)* _ => None }
            }

            /// The template in `lang`.
            pub fn template(self, lang: super::Lang) -> &'static str {
                match lang {
                    super::Lang::Zh => match self { $(Key::$key => $zh,)* },
                    super::Lang::En => match self { $(Key::$key => $en,)* },
                }
            }
        }
    };
}

catalogue! {
    // ---- values a person typed (the validation table, core::validate) ----
    /// A required value is missing.
    Empty = "empty" { "{field}不能为空", "{field} must not be empty" }
    /// Too many characters.
    TooLong = "too_long" {
        "{field}最多 {max} 个字，现在有 {len} 个",
        "{field} may have at most {max} characters; it has {len}"
    }
    /// Control or text-direction characters.
    HiddenCharacters = "hidden_characters" {
        "{field}含有看不见的控制字符或文字方向控制符，请删掉后重试",
        "{field} contains invisible control or text-direction characters; remove them and try again"
    }
    /// A line break in a one-line field.
    OneLine = "one_line" { "{field}只能写一行", "{field} must be a single line" }
    /// A number outside its range.
    OutOfRange = "out_of_range" {
        "{field}必须在 {min} 到 {max} 之间，现在是 {value}",
        "{field} must be between {min} and {max}; it is {value}"
    }
    /// Not a decimal number.
    NotANumber = "not_a_number" {
        "{field}“{value}”不是有效的数字（最多 {decimals} 位小数）",
        "{field} \"{value}\" is not a valid number (at most {decimals} decimals)"
    }
    /// NaN or infinity.
    NotFinite = "not_finite" { "{field}不是有效的数值", "{field} is not a valid number" }
    /// A time too far in the future.
    TimeInFuture = "time_in_future" {
        "{field} {value} 比本机时钟晚了 {minutes} 分钟以上；请检查输入的时间或本机时钟",
        "{field} {value} is more than {minutes} minutes after this device's clock; check the time entered or the device's clock"
    }
    /// A time before anything Signoff records.
    TimeTooEarly = "time_too_early" {
        "{field} {value} 早于 {min}，不是合理的时间",
        "{field} {value} is before {min}, which is not a plausible time"
    }
    /// A time far outside the window it belongs in.
    TimeOutOfWindow = "time_out_of_window" {
        "{field} {value} 必须在 {min} 到 {max} 之间",
        "{field} {value} must be between {min} and {max}"
    }
    /// A window that ends before it starts.
    EndsBeforeStart = "ends_before_start" { "{field}的结束时间早于开始时间", "{field} ends before it starts" }
    /// Not a phone number.
    BadPhone = "bad_phone" {
        "{field}“{value}”不是有效的电话号码（只能有数字、+、-、空格和括号，5 到 20 位数字）",
        "{field} \"{value}\" is not a valid phone number (digits, +, -, spaces and brackets only; 5 to 20 digits)"
    }
    /// Not an identifier.
    BadId = "bad_id" {
        "{field}“{value}”不是有效的编号（不能有空格或控制字符，最多 {max} 个字符）",
        "{field} \"{value}\" is not a valid id (no spaces or control characters, at most {max} characters)"
    }
    /// Not a SHA-256.
    NotAHash = "not_a_hash" { "{field}不是 SHA-256 十六进制值", "{field} is not a SHA-256 in hex" }
    /// A total beyond what an order may add up to.
    AmountTooLarge = "amount_too_large" {
        "{field}合计超过上限 ¥{max}",
        "{field} adds up to more than the limit of ¥{max}"
    }
    /// Too many lines of one kind on an order.
    TooManyItems = "too_many_items" {
        "一张工单最多 {max} 条{field}",
        "an order may have at most {max} {field} lines"
    }

    // ---- the order's rules ----
    /// Not allowed in the order's status.
    NotAllowed = "not_allowed" {
        "工单当前状态为“{status}”，不能{action}",
        "cannot record \"{action}\" while the order is {status}"
    }
    /// Not allowed before the order exists.
    NotReported = "not_reported" { "工单还没有报修记录，不能{action}", "cannot record \"{action}\" before the order is reported" }
    /// An item the edit names is not on the order.
    ItemNotFound = "item_not_found" { "本工单没有这条{what}（{id}）", "this order has no {what} {id}" }
    /// Signed evidence cannot be removed.
    SignedEvidence = "signed_evidence" {
        "这张照片包含在已签认的验收中，不能删除",
        "this photo is part of a signed sign-off and cannot be removed"
    }
    /// No such conflict.
    NoConflict = "no_conflict" { "没有待处理的冲突 {id}", "there is no open conflict {id}" }
    /// The official number is set once.
    AlreadyNumbered = "already_numbered" {
        "这张工单已有正式单号 {existing}",
        "this order already has the official number {existing}"
    }
    /// A statement for another order.
    StatementOtherOrder = "statement_other_order" {
        "这份签认属于另一张工单",
        "this sign-off statement belongs to another order"
    }
    /// A statement whose id is not its hash.
    StatementIdMismatch = "statement_id_mismatch" {
        "签认的编号与内容不符（内容被改过）",
        "the sign-off statement's id does not match its content (it was altered)"
    }
    /// Strokes that are not the ones signed.
    StrokesMismatch = "strokes_mismatch" {
        "手写签名与签认记录不符",
        "the handwritten signature is not the one the statement covers"
    }
    /// The statement was recorded already.
    StatementRecorded = "statement_recorded" { "这份签认已经记录过了", "this sign-off is already recorded" }
    /// The statement cannot be read.
    StatementUnreadable = "statement_unreadable" { "签认记录无法读取", "the sign-off statement cannot be read" }
    /// A statement of a newer format.
    StatementNewer = "statement_newer" {
        "签认记录来自更新版本的应用，请更新本应用",
        "the sign-off statement comes from a newer version of the app; update the app"
    }
    /// Satisfaction without reaching the owner.
    CallbackUnreached = "callback_unreached" {
        "没有联系上业主时不能记录满意度",
        "satisfaction can only be recorded when the owner was reached"
    }
    /// A reached owner, neither satisfied nor not.
    CallbackVerdict = "callback_verdict" {
        "联系上业主时请记录是否满意",
        "when the owner was reached, record whether they are satisfied"
    }
    /// Closing before every required party signed.
    SignaturesMissing = "signatures_missing" {
        "还缺{roles}签字，不能回访封闭；请先签齐，或由主管关闭",
        "{roles} must still sign before the callback can close the order; get the signatures, or a supervisor closes it"
    }
    /// A next try for a reached owner.
    CallbackReachedNoRetry = "callback_reached_no_retry" {
        "已联系上业主，不需要再约下次回访",
        "the owner was reached: no next try is needed"
    }
    /// A complaint step on a repair order.
    NotComplaint = "not_complaint" {
        "这是报修单，不是投诉：{action}只用于投诉",
        "this is a repair order, not a complaint: {action} is for complaints"
    }
    /// The desk chose "invalid" itself.
    InvalidIsReturned = "invalid_is_returned" {
        "无效投诉由责任部门退回，并附部门负责人签署的意见",
        "a complaint is made invalid by its department returning it, with the department head's signed opinion"
    }
    /// A third party for a job no contractor has.
    NotContractorJob = "not_contractor_job" {
        "只有派给施工单位的工单才能委托第三方并扣款",
        "only a job assigned to a contractor can be given to a third party with a deduction"
    }
    /// A second claim while one waits for approval.
    ClaimPending = "claim_pending" {
        "已有一笔索赔待主管审批，请先审批",
        "a claim is already waiting for a supervisor's decision; decide it first"
    }
    /// A decision with no claim to decide.
    NoClaim = "no_claim" { "没有待审批的索赔", "there is no claim waiting for a decision" }
    /// Approving more than was claimed.
    ClaimAboveAmount = "claim_above_amount" {
        "批准金额 {approved} 不能超过索赔金额 {claimed}",
        "the approved amount {approved} may not exceed the {claimed} claimed"
    }
    /// Linking an order to itself or twice.
    LinkInvalid = "link_invalid" {
        "不能关联工单“{order}”：它就是本投诉，或已经关联",
        "cannot link order \"{order}\": it is this complaint, or already linked"
    }
    /// The frozen content changed.
    FrozenGone = "frozen_gone" {
        "签字时展示的内容已不在本工单中，请重新进入签字",
        "what was shown for signing is no longer in this order; open the sign-off again"
    }
    /// Nothing given to change.
    NothingToChange = "nothing_to_change" {
        "没有要修改的内容：请给出 `--description`、`--location`、`--category`、`--urgency`、`--findings` 或 `--work`",
        "nothing to change: give `--description`, `--location`, `--category`, `--urgency`, `--findings` or `--work`"
    }
    /// A signed order is being changed.
    SignedContentChanged = "signed_content_changed" {
        "签认后{field}有改动：{old} → {new}",
        "{field} changed after sign-off: {old} → {new}"
    }

    // ---- people and rights ----
    /// Nobody named as acting.
    NoActor = "no_actor" {
        "请说明是谁在操作：加 `--as 人员编号`，或用 `signoff init --person` 设定本机的使用人",
        "who is acting? pass `--as PERSON` (or set the device's person with `signoff init --person`)"
    }
    /// Not on the staff list.
    UnknownPerson = "unknown_person" { "人员“{id}”不在人员名单中", "\"{id}\" is not on the staff list" }
    /// No longer active.
    InactivePerson = "inactive_person" { "{name}已不在职", "{name} is no longer active" }
    /// Lacks the role.
    LacksRole = "lacks_role" { "{name}不是{role}，不能{action}", "{name} is not a {role} and cannot record \"{action}\"" }
    /// Not the assignee.
    NotAssignee = "not_assignee" {
        "这张工单派给了{assignee}，{name}不能{action}",
        "this order is assigned to {assignee}; {name} cannot record \"{action}\""
    }
    /// A technician assigning someone else.
    AssignSelfOnly = "assign_self_only" {
        "维修人员只能把工单派给自己",
        "a technician can assign an order only to themselves"
    }
    /// Unknown contractor.
    UnknownContractor = "unknown_contractor" { "施工单位“{id}”不在名单中", "contractor \"{id}\" is not on the list" }
    /// Unknown category.
    UnknownCategory = "unknown_category" { "没有类别“{value}”；可用：{known}", "unknown category \"{value}\"; known: {known}" }
    /// Unknown unit.
    UnknownUnit = "unknown_unit" { "没有房号“{value}”", "unknown unit \"{value}\"" }
    /// Nobody can take the job now.
    NoTechnicianFree = "no_technician_free" {
        "现在没有维修人员能接这单：{why}",
        "no technician can take this job now: {why}"
    }

    // ---- the device and its store ----
    /// Disk full.
    DiskFull = "disk_full" {
        "存储空间已满，本次操作没有保存。请清理空间后重试",
        "The storage is full: nothing was saved. Free some space and try again"
    }
    /// The store file is damaged.
    CorruptStore = "corrupt_store" {
        "{path} 不是可读的 Signoff 数据文件（已损坏或不是本应用的文件）",
        "{path} is not a readable Signoff store (damaged, or not Signoff's)"
    }
    /// No store yet.
    NoStore = "no_store" { "{path} 还没有 Signoff 数据：请先运行 `signoff init`", "no Signoff store at {path}: run `signoff init` first" }
    /// A store exists already.
    StoreExists = "store_exists" { "{path} 已经有 Signoff 数据", "a Signoff store already exists at {path}" }
    /// A store from a newer app.
    NewerStore = "newer_store" {
        "{path} 由更新版本的应用写入（格式 {found}，本应用支持到 {supported}），请更新本应用",
        "the store at {path} uses format {found}, newer than this app supports ({supported}); update the app"
    }
    /// Any other storage failure.
    Storage = "storage" { "本机存储出错，本次操作没有保存", "A storage error: nothing was saved" }
    /// A file could not be read or written.
    FileError = "file_error" { "无法读写文件 {path}：{why}", "cannot read or write {path}: {why}" }
    /// No order matches.
    OrderNotFound = "order_not_found" { "找不到工单“{query}”", "no work order matches \"{query}\"" }
    /// Several orders match.
    Ambiguous = "ambiguous" {
        "“{query}”对应多张工单，请给出更完整的单号",
        "\"{query}\" matches several work orders; give more of the number"
    }
    /// A damaged order set aside.
    Quarantined = "quarantined" {
        "工单 {number} 的数据已损坏，已隔离保存（原始数据保留）；下次同步时会从服务器恢复",
        "work order {number} is damaged and was set aside (its bytes are kept); the next sync restores it from the server"
    }
    /// A damaged order that lost unsynced work.
    QuarantinedLost = "quarantined_lost" {
        "工单 {number} 已从服务器恢复，但本机未上传的改动已丢失：{what}。请重新录入",
        "work order {number} was restored from the server, but changes not yet uploaded from this device were lost: {what}. Enter them again"
    }
    /// A damaged order restored.
    Restored = "restored" { "工单 {number} 已从服务器恢复，没有丢失内容", "work order {number} was restored from the server with nothing lost" }
    /// A document that cannot be used.
    DocumentUnreadable = "document_unreadable" {
        "工单数据无法读取（{number}）",
        "the work order's data cannot be read ({number})"
    }
    /// A document from a newer app.
    DocumentNewer = "document_newer" {
        "这张工单由更新版本的应用写入，请更新本应用",
        "this work order was written by a newer version of the app; update the app"
    }
    /// The device key.
    DeviceKey = "device_key" {
        "本机签名密钥无法读取或创建：{path}",
        "this device's signing key cannot be read or made: {path}"
    }
    /// A handwritten signature that cannot be read.
    StrokesUnreadable = "strokes_unreadable" {
        "手写签名数据无法读取",
        "the handwritten signature cannot be read"
    }
    /// An empty signature.
    SignatureEmpty = "signature_empty" { "签名是空的：请在签名框里签字", "the signature is empty: sign inside the box" }
    /// A photo file is damaged or missing.
    BlobDamaged = "blob_damaged" { "照片文件 {name} 已损坏或丢失", "photo file {name} is damaged or missing" }
    /// A server order could not be stored.
    ReceivedUnreadable = "received_unreadable" {
        "从服务器收到的工单 {id} 无法读取，没有保存",
        "order {id} from the server cannot be read and was not stored"
    }
    /// Heads that are not in the document.
    UnknownChange = "unknown_change" { "工单 {id} 中没有改动 {hash}", "order {id} has no change {hash}" }
    /// Not a public key.
    NotAPublicKey = "not_a_public_key" { "设备 {id} 的公钥无效", "device {id}: not an Ed25519 public key" }

    // ---- photos ----
    /// Not a photo.
    NotAPhoto = "not_a_photo" {
        "这个文件不是照片（可用 JPEG、PNG、WebP 或 HEIC）",
        "this file is not a photo (use JPEG, PNG, WebP or HEIC)"
    }
    /// A format not accepted as evidence.
    PhotoFormat = "photo_format" {
        "{format} 文件不能作为维修照片；请用 JPEG、PNG、WebP 或 HEIC",
        "{format} files are not accepted as evidence photos; use JPEG, PNG, WebP or HEIC"
    }
    /// Too many bytes.
    PhotoTooBig = "photo_too_big" { "照片文件有 {mb} MB，超过 {limit} MB 的上限", "the photo file is {mb} MB; the limit is {limit} MB" }
    /// Too many pixels.
    PhotoTooManyPixels = "photo_too_many_pixels" {
        "这张 {format} 照片有 {width}×{height} 像素（{mp} MP），超过 {limit} MP 的上限",
        "the {format} photo is {width}×{height} pixels ({mp} MP); the limit is {limit} MP"
    }
    /// Too much memory.
    PhotoNeedsMemory = "photo_needs_memory" {
        "解码这张 {format} 照片（{width}×{height}）需要约 {mb} MB 内存，超过手机上 {limit} MB 的上限",
        "decoding this {format} photo ({width}×{height}) would need about {mb} MB of memory; the limit on a phone is {limit} MB"
    }
    /// A huge HEIC from a phone's high-resolution mode.
    PhotoHugeHeic = "photo_huge_heic" {
        "这张 HEIC 照片有 {mp} MP（{width}×{height}），是手机的超高像素模式拍的；解码需要约 {mb} MB 内存，超过 {limit} MB 的上限。请在相机设置里改用默认的 12 MP（或 50 MP 以下）分辨率重新拍摄，或在相册中导出为 JPEG 后再添加",
        "this HEIC photo is {mp} MP ({width}×{height}), taken in the phone's high-resolution mode; decoding it would need about {mb} MB of memory, over the limit of {limit} MB. Switch the camera to its default 12 MP (or any mode under 50 MP) and take it again, or export it from the gallery as JPEG and add that"
    }
    /// Damaged or incomplete.
    PhotoDamaged = "photo_damaged" { "这张 {format} 照片已损坏或不完整", "the {format} photo is damaged or incomplete" }
    /// A decompression bomb.
    PhotoHostile = "photo_hostile" {
        "这个 {format} 文件被拒收：{what}",
        "the {format} file was refused: {what}"
    }
    /// Built without a decoder.
    PhotoNotBuiltIn = "photo_not_built_in" {
        "此版本的 Signoff 不能读取 {format} 照片",
        "this build of Signoff cannot read {format} photos"
    }
    /// The photo pipeline failed on valid input.
    PhotoInternal = "photo_internal" { "照片处理失败，请重试", "photo processing failed; try again" }
    /// Some photos of a batch were not attached.
    PhotosNotAttached = "photos_not_attached" {
        "{total} 张照片中有 {failed} 张没有添加（见上）",
        "{failed} of {total} photos were not attached (see above)"
    }
    /// Photo files damaged or missing.
    PhotoFilesDamaged = "photo_files_damaged" {
        "有照片文件损坏或丢失（见上）",
        "photo files are damaged or missing (see above)"
    }

    // ---- reference data imports ----
    /// Duplicate id.
    ImportDuplicate = "import_duplicate" {
        "{where}：{kind}编号“{id}”重复（第一次出现在{first}）",
        "{where}: {kind} id \"{id}\" appears twice (first at {first})"
    }
    /// Unknown column.
    ImportUnknownColumn = "import_unknown_column" {
        "{file} 第 1 行：不认识的列“{column}”；{kind}文件的列是：{known}",
        "{file} line 1: unknown column \"{column}\"; a {kind} file has the columns: {known}"
    }
    /// Missing column.
    ImportMissingColumn = "import_missing_column" {
        "{file} 第 1 行：缺少“{column}”列；{kind}文件的列是：{known}",
        "{file} line 1: the column \"{column}\" is missing; a {kind} file has the columns: {known}"
    }
    /// A bad value on a line.
    ImportBadValue = "import_bad_value" { "{where}：{problem}", "{where}: {problem}" }
    /// A reference to something unknown.
    ImportUnknownRef = "import_unknown_ref" {
        "{kind}“{id}”引用了不存在的{ref_kind}“{ref_id}”",
        "{kind} \"{id}\" refers to an unknown {ref_kind} \"{ref_id}\""
    }
    /// Not a date.
    ImportBadDate = "import_bad_date" {
        "{field}“{value}”不是日期（格式 YYYY-MM-DD）",
        "{field} \"{value}\" is not a date (YYYY-MM-DD)"
    }
    /// Not a role.
    ImportBadRole = "import_bad_role" {
        "不认识的角色“{value}”（可用：维修人员、客服调度、主管、管理员，或 `technician`、`dispatcher`、`supervisor`、`admin`）",
        "unknown role \"{value}\" (technician, dispatcher, supervisor, admin)"
    }
    /// Handover before acceptance.
    ImportHandoverBeforeAcceptance = "import_handover_before_acceptance" {
        "房号“{id}”的交付日期 {handover} 早于竣工验收日期 {acceptance}",
        "unit \"{id}\": handover {handover} is before completion acceptance {acceptance}"
    }
    /// A person without a role.
    ImportNoRole = "import_no_role" { "人员“{id}”没有角色", "person \"{id}\" has no role" }
    /// A file that is not the format.
    ImportUnreadable = "import_unreadable" {
        "{file} 无法读取：不是有效的 {format} 文件（{where}）",
        "{file} cannot be read: not a valid {format} file ({where})"
    }
    /// Which kind a CSV holds.
    ImportWhichKind = "import_which_kind" {
        "{file} 装的是什么数据？请加 `--kind projects|buildings|units|people|contractors`",
        "what does {file} hold? pass `--kind projects|buildings|units|people|contractors`"
    }
    /// A line of a file.
    LineOf = "line_of" { "{file} 第 {line} 行", "{file} line {line}" }
    /// A record of a JSON bundle.
    RecordOf = "record_of" { "{file} 中的第 {n} 个{kind}", "{file}, {kind} no. {n}" }

    // ---- sign-off verification ----
    /// Some statement failed verification.
    VerificationFailed = "verification_failed" {
        "有 {count} 份签认没有通过验证（签名无效、伪造或来自未知设备），不计入验收",
        "{count} sign-off statements failed verification (invalid, forged or from an unknown device) and do not count"
    }
    /// Signed content changed since.
    ChangedSinceSigning = "changed_since_signing" {
        "签认有效，但签字后工单内容有改动（见上）",
        "the sign-off is genuine, but the order changed after it was signed (see above)"
    }

    // ---- sync and the server ----
    /// Not enrolled.
    NotEnrolled = "not_enrolled" {
        "本机尚未登记到服务器：请运行 `signoff enroll 地址 登记码`",
        "this device is not enrolled with a server: run `signoff enroll URL CODE`"
    }
    /// Offline.
    Offline = "offline" {
        "连不上服务器。数据已保存在本机，联网后自动同步",
        "Cannot reach the server. Everything is kept on this device and syncs when back online"
    }
    /// Not a web address.
    BadUrl = "bad_url" { "“{value}”不是 http(s) 地址", "\"{value}\" is not an http(s) address" }
    /// The server's answer cannot be read.
    BadAnswer = "bad_answer" {
        "服务器的回复无法读取（版本不兼容？）；本机数据没有改动",
        "the server's answer cannot be read (a version mismatch?); nothing changed on this device"
    }
    /// The server refused the device's credentials.
    ServerUnauthorized = "server_unauthorized" {
        "服务器不认可本机（登记码无效、已过期，或本机已被注销）",
        "the server does not accept this device (the code is wrong or expired, or the device was revoked)"
    }
    /// The enrolment code is wrong.
    BadEnrolCode = "bad_enrol_code" {
        "登记码不对或已过期：请向办公室要一个新的登记码",
        "the enrolment code is wrong or has expired: ask the office for a new one"
    }
    /// Too many requests.
    ServerBusy = "server_busy" {
        "服务器正忙或请求太频繁，稍后会自动重试",
        "the server is busy or the device asked too often; it will retry shortly"
    }
    /// A request the server found too large.
    ServerTooLarge = "server_too_large" {
        "内容太大，服务器拒收：{what}",
        "too large for the server: {what}"
    }
    /// The server refused for another reason.
    ServerRefused = "server_refused" { "服务器拒绝了请求（{code}）", "the server refused the request ({code})" }
    /// The server failed.
    ServerFailed = "server_failed" {
        "服务器出错（{status}），本机数据没有丢失，稍后会重试",
        "the server failed ({status}); nothing was lost on this device and it will retry"
    }
    /// A document refused: changes written by another device.
    RefusedForgedActor = "refused_forged_actor" {
        "服务器拒收：改动不是本机写的",
        "refused by the server: the changes were not written by this device"
    }
    /// A document refused: not visible to this device.
    RefusedForbidden = "refused_forbidden" {
        "服务器拒收：本机无权修改这张工单（可能已改派给别人）",
        "refused by the server: this device may not change this order (it may have been reassigned)"
    }
    /// A document refused: too large.
    RefusedTooLarge = "refused_too_large" { "服务器拒收：工单数据太大", "refused by the server: the order is too large" }
    /// A document refused: the server needs the whole document.
    RefusedMissingChanges = "refused_missing_changes" {
        "服务器缺少这张工单的早期内容，下次同步会整单重发",
        "the server lacks earlier changes of this order; the next sync sends it whole"
    }
    /// A document refused: invalid.
    RefusedInvalid = "refused_invalid" {
        "服务器拒收：工单数据无效",
        "refused by the server: the order's data is not valid"
    }
    /// A document refused: a forged or invalid signature.
    RefusedForgedSignature = "refused_forged_signature" {
        "服务器拒收：签认的签名无法用签字设备的公钥验证（伪造或被改动）",
        "refused by the server: a sign-off's signature does not verify with the signing device's key (forged or altered)"
    }
    /// A document refused: a field the server owns.
    RefusedServerField = "refused_server_field" {
        "服务器拒收：正式单号只能由服务器分配",
        "refused by the server: official numbers are assigned by the server only"
    }
    /// A document refused: a value the validation table refuses.
    RefusedValue = "refused_value" { "服务器拒收：{why}", "refused by the server: {why}" }
    /// A photo could not be uploaded.
    PhotoUploadFailed = "photo_upload_failed" { "照片 {name} 上传失败，稍后重试", "photo {name} could not be uploaded; it will retry" }
    /// A photo could not be downloaded.
    PhotoDownloadFailed = "photo_download_failed" { "照片 {name} 下载失败，稍后重试", "photo {name} could not be downloaded; it will retry" }

    // ---- the app's own ----
    /// A bug: nothing was done.
    Internal = "internal" { "内部错误，操作未完成", "Internal error: nothing was done" }
    /// No enrolment code typed.
    EnterCode = "enter_code" { "请输入登记码", "Enter the enrolment code" }
    /// A photo upload id that is not one.
    UploadIdInvalid = "upload_id_invalid" { "照片上传编号无效，请重新选择照片", "The photo upload id is invalid; choose the photo again" }
    /// Photo bytes that could not be read.
    PhotoDataInvalid = "photo_data_invalid" { "照片数据无效，请重新选择照片", "The photo data is invalid; choose the photo again" }
    /// An upload that expired.
    UploadExpired = "upload_expired" { "照片上传已失效，请重新选择", "The photo upload expired; choose it again" }

    // ---- the CLI's own questions ----
    /// Say who to assign.
    SayWho = "say_who" { "派给谁？请用 `--to 人员`、`--contractor 单位编号` 或 `--auto`", "say who: `--to PERSON`, `--contractor ID` or `--auto`" }
    /// Say how the callback went.
    SayHow = "say_how" {
        "回访结果如何？请用 `--satisfied`、`--unsatisfied` 或 `--unreached`",
        "say how it went: `--satisfied`, `--unsatisfied` or `--unreached`"
    }
    /// Minutes or hours.
    GiveMinutes = "give_minutes" { "请给出 `--minutes` 或 `--hours`", "give `--minutes` or `--hours`" }
    /// An order or a strokes file.
    GiveOrderOrStrokes = "give_order_or_strokes" { "请给出工单或 `--strokes 文件`", "give an order or `--strokes FILE`" }
    /// No such sign-off.
    NoSuchSignoff = "no_such_signoff" { "工单 {order} 没有这份签认", "order {order} has no such sign-off" }
    /// Unknown status.
    UnknownStatus = "unknown_status" { "没有状态“{value}”；可用：{known}", "unknown status \"{value}\"; one of: {known}" }
    /// A time that cannot be read.
    BadTime = "bad_time" {
        "看不懂时间“{value}”：请用 2026-11-16 09:00、09:00、tomorrow 09:00 或 RFC 3339 格式",
        "cannot read the time \"{value}\": use 2026-11-16 09:00, 09:00, tomorrow 09:00 or RFC 3339"
    }
    /// A strokes file that is not one.
    BadStrokesFile = "bad_strokes_file" {
        "{path} 不是签名板（`signature_pad`）导出的 JSON，也不是签名笔迹文件",
        "{path} is not signature_pad JSON or a strokes file"
    }
}
