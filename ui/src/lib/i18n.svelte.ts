// zh-CN (default) and en. The domain's own labels (statuses, deadlines, parties, timeline events,
// verdicts) come generated from Rust (bindings/labels.ts, OrderDetail); this file has the UI's words.
import type { Lang } from './format';
import { STATUS, COMPLAINT_STATUS, COMPLAINT_CLASS, DEADLINE, PARTY, VERDICT, SIGNER } from '../bindings/labels';

const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('signoff.lang') : null;
export const ui = $state<{ lang: Lang }>({ lang: saved === 'en' ? 'en' : 'zh' });

export function setLang(lang: Lang) {
  ui.lang = lang;
  try {
    localStorage.setItem('signoff.lang', lang);
  } catch {
    /* private mode: the choice lasts for this session */
  }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

const words = {
  app: ['签收', 'Signoff'],
  today: ['今日工单', 'Today'],
  board: ['工单看板', 'Board'],
  intake: ['报修登记', 'New report'],
  sync: ['同步', 'Sync'],
  back: ['返回', 'Back'],
  language: ['English', '中文'],
  enrolTitle: ['登记本机', 'Enrol this device'],
  enrolHelp: ['请输入办公室提供的服务器地址和一次性登记码。', 'Enter the server address and the one-time code from the office.'],
  serverUrl: ['服务器地址', 'Server address'],
  enrolCode: ['登记码', 'Enrolment code'],
  deviceName: ['本机名称', 'Device name'],
  enrol: ['登记', 'Enrol'],
  working: ['处理中…', 'Working…'],
  noJobs: ['今天没有分配给您的工单', 'No jobs assigned to you today'],
  awaitingSignoff: ['待业主验收', 'Awaiting the owner\'s sign-off'],
  noOrders: ['没有符合条件的工单', 'No orders match'],
  offline: ['离线', 'Offline'],
  pending: ['待上传', 'Pending'],
  synced: ['已同步', 'Synced'],
  syncing: ['同步中', 'Syncing'],
  syncError: ['同步出错', 'Sync error'],
  notEnrolled: ['未登记', 'Not enrolled'],
  localOnly: ['仅本机', 'On this device only'],
  rejected: ['被拒绝', 'Refused'],
  unit: ['房号', 'Unit'],
  reporter: ['报修人', 'Reporter'],
  call: ['拨打', 'Call'],
  description: ['报修内容', 'Description'],
  location: ['具体位置', 'Where in the unit'],
  preferredTime: ['预约时间', 'Preferred time'],
  routing: ['维修分判', 'Warranty routing'],
  repairs: ['维修方', 'Repairs'],
  pays: ['费用承担', 'Pays'],
  timeline: ['处理记录', 'Timeline'],
  deadlines: ['时限', 'Deadlines'],
  arrive: ['到场', 'Arrive'],
  pause: ['暂停', 'Pause'],
  complete: ['完工', 'Complete'],
  reason: ['原因', 'Reason'],
  nextVisit: ['下次上门', 'Next visit'],
  confirm: ['确定', 'Confirm'],
  cancel: ['取消', 'Cancel'],
  save: ['保存', 'Save'],
  findings: ['检查情况', 'Findings'],
  workDone: ['维修内容', 'Work done'],
  materials: ['材料', 'Materials'],
  material: ['材料名称', 'Material'],
  spec: ['规格', 'Spec'],
  qty: ['数量', 'Qty'],
  unitName: ['单位', 'Unit'],
  unitPrice: ['单价（元）', 'Unit price (¥)'],
  add: ['添加', 'Add'],
  labour: ['工时', 'Labour'],
  minutes: ['分钟', 'Minutes'],
  hourlyRate: ['时薪（元）', 'Hourly rate (¥)'],
  total: ['合计', 'Total'],
  photos: ['照片', 'Photos'],
  takePhoto: ['拍照', 'Take photo'],
  fromGallery: ['相册', 'Gallery'],
  stage: ['阶段', 'Stage'],
  caption: ['说明', 'Caption'],
  before: ['维修前', 'Before'],
  during: ['维修中', 'During'],
  after: ['维修后', 'After'],
  other: ['其他', 'Other'],
  uploaded: ['已上传', 'Uploaded'],
  notUploaded: ['待上传', 'Not uploaded'],
  photoAdding: ['正在处理照片', 'Processing photo'],
  ownerSignoff: ['业主验收签字', 'Owner sign-off'],
  signoffIntro: ['请核对维修内容，在下方签名确认。', 'Please check the work below and sign to confirm.'],
  signHere: ['请在此签名', 'Sign here'],
  clear: ['重写', 'Clear'],
  signerName: ['签字人姓名', 'Your name'],
  rating: ['满意度', 'Satisfaction'],
  opinion: ['意见', 'Comments'],
  confirmSign: ['确认验收', 'Confirm and sign'],
  refuse: ['拒绝签字', 'Refuse to sign'],
  refuseReason: ['拒签原因', 'Reason for refusing'],
  signed: ['已签字，谢谢！', 'Signed. Thank you!'],
  refused: ['已记录拒签', 'Refusal recorded'],
  exitHold: ['技术员长按退出', 'Technician: press and hold to exit'],
  exitConfirm: ['确认退出业主签字模式？', 'Leave owner sign-off mode?'],
  statements: ['签认', 'Sign-offs'],
  dispatch: ['派工', 'Dispatch'],
  suggested: ['建议', 'Suggested'],
  skipped: ['未选原因', 'Skipped'],
  assignTo: ['派给', 'Assign to'],
  attention: ['需要处理', 'Needs attention'],
  keepThis: ['采用此方', 'Keep this side'],
  sideCurrent: ['当前状态依据', 'What the status shows'],
  sideHeld: ['有冲突的另一方（暂缓）', 'The contradicting side (held)'],
  filters: ['筛选', 'Filters'],
  all: ['全部', 'All'],
  status: ['状态', 'Status'],
  overdueOnly: ['仅超时', 'Overdue only'],
  openOnly: ['仅未完结', 'Open only'],
  technician: ['维修人员', 'Technician'],
  project: ['项目', 'Project'],
  searchPlaceholder: ['搜索工单、房号、内容', 'Search orders, units, text'],
  unitSearch: ['搜索房号或地址', 'Search unit or address'],
  category: ['类别', 'Category'],
  urgency: ['紧急程度', 'Urgency'],
  channel: ['报修方式', 'Channel'],
  reporterName: ['报修人姓名', 'Reporter name'],
  phone: ['联系电话', 'Phone'],
  submit: ['登记', 'Register'],
  created: ['已登记', 'Registered'],
  lastSync: ['上次同步', 'Last sync'],
  never: ['从未', 'never'],
  nextTry: ['下次尝试', 'Next attempt'],
  pendingOrders: ['待上传工单', 'Orders to upload'],
  pendingPhotos: ['待上传照片', 'Photos to upload'],
  retry: ['立即同步', 'Sync now'],
  lastResult: ['上次结果', 'Last result'],
  sent: ['上传', 'sent'],
  received: ['接收', 'received'],
  server: ['服务器', 'Server'],
  signedBy: ['签字人', 'Signed by'],
  verdict: ['核验', 'Verification'],
  damagedOrders: ['这些工单在本机的数据已损坏（已隔离保存）', 'These orders are damaged on this device (set aside)'],
  damagedHelp: ['同步时会从服务器恢复；本机未上传的改动如有丢失，会在这里说明。', 'The next sync restores them from the server; any unsynced change that was lost is named here.'],
  understood: ['知道了', 'Understood'],
  damaged: ['数据损坏', 'Damaged'],
  signoffNotCounted: ['签认不计入（验证未通过）', 'Sign-off does not count (verification failed)'],
  changedAfterSignoff: ['签认后内容有改动', 'Changed after sign-off'],
  changedFields: ['改动', 'Changed'],
  noneYet: ['暂无', 'None yet'],
  review: ['审核', 'Review'],
  me: ['我', 'Me'],
  cost: ['费用', 'Cost'],
  workSummary: ['维修内容', 'Work done'],
  conflict: ['冲突', 'Conflict'],
  callbacks: ['回访', 'Callbacks'],
  callbackQueue: ['待回访', 'Due for a callback'],
  noCallbacks: ['没有待回访的工单', 'No orders are waiting for a callback'],
  officeWork: ['办理', 'Office work'],
  whyNot: ['不能办理的事项', 'Not available to you'],
  reached: ['联系上了', 'Reached'],
  notReached: ['未接通', 'Not reached'],
  agreed: ['约定事项', 'What was agreed'],
  from: ['开始', 'From'],
  until: ['结束', 'Until'],
  cause: ['原因判定', 'Cause'],
  causeOwner: ['业主自身原因', 'Caused by the owner'],
  causeMisuse: ['使用不当', 'Misuse'],
  causeNotOwner: ['非业主原因（施工或材料）', 'Not the owner\'s fault (construction or material)'],
  causeUnknown: ['待查', 'To be determined'],
  ownerPaysQuote: ['业主付费：先报价，业主确认后再施工', 'The owner pays: quote first, work starts once the owner approves'],
  reassign: ['改派', 'Reassign'],
  contractor: ['施工单位', 'Contractor'],
  method: ['回访方式', 'Method'],
  byPhone: ['电话', 'Phone'],
  byVisit: ['上门', 'Visit'],
  satisfiedQ: ['业主是否满意', 'Is the owner satisfied?'],
  satisfied: ['满意', 'Satisfied'],
  unsatisfied: ['不满意（返修）', 'Unsatisfied (reopen)'],
  quality: ['维修质量', 'Quality'],
  speed: ['及时性', 'Speed'],
  manner: ['服务态度', 'Manner'],
  gradeSatisfied: ['满意', 'Satisfied'],
  gradeFair: ['基本满意', 'Fair'],
  gradeUnsatisfied: ['不满意', 'Unsatisfied'],
  comment: ['业主意见', 'The owner\'s comments'],
  redoWhat: ['需返修的问题', 'What must be redone'],
  nextCallback: ['下次回访', 'Next try'],
  plan: ['处理方案', 'Plan'],
  note: ['备注', 'Note'],
  overrideWhy: ['未经满意回访关闭的理由（主管）', 'Why close without a satisfied callback (supervisor)'],
  lastCallback: ['上次回访', 'Last callback'],
  whoSigns: ['签字方', 'Who signs'],
  unitFile: ['客户档案', 'Unit file'],
  building: ['楼栋', 'Building'],
  handover: ['交付日期', 'Handover'],
  acceptance: ['竣工验收', 'Completion acceptance'],
  unknownDate: ['未登记', 'not recorded'],
  warrantyClocks: ['保修期（按部位）', 'Warranty by building part'],
  part: ['部位', 'Part'],
  ownerWarranty: ['业主保修（自交付）', 'Owner (from handover)'],
  contractorWarranty: ['施工单位保修（自竣工验收）', 'Contractor (from acceptance)'],
  expired: ['已过保', 'Expired'],
  designLife: ['设计使用年限内', 'Within the design life'],
  noHandoverDate: ['缺交付日期', 'No handover date'],
  noAcceptanceDate: ['缺竣工验收日期', 'No acceptance date'],
  unitOrders: ['本户报修记录', 'Orders for this unit'],
  unitHistory: ['本户以往报修', 'Earlier orders for this unit'],
  partySignoff: ['验收签字', 'Sign-off'],
  signatures: ['签字进度', 'Signatures'],
  awaitingSignature: ['待签', 'to sign'],
  onSiteOrder: ['现场报修（先抢修后补单）', 'On-site order (repair first, paperwork later)'],
  onSiteHelp: ['先抢修，办公室稍后补全报修信息。本单自动派给您，离线也可登记。', 'Repair first; the office completes the report later. The order is yours at once, and works offline.'],
  onSiteNote: ['现场抢修，先抢修后补单', 'Opened on site: repair first, paperwork later'],
  intakePending: ['现场抢修单，待办公室补单', 'Opened on site: the office must complete the intake'],
  completeIntake: ['核对并补单', 'Check and complete the intake'],
  phoneHidden: ['业主电话仅对办公室和本单在办的维修人员可见', 'The owner\'s phone is shown only to the office and to the technician on an open job'],
  complaints: ['投诉', 'Complaints'],
  complaintIntake: ['投诉登记', 'New complaint'],
  newComplaint: ['登记投诉', 'Register a complaint'],
  noComplaints: ['没有未关闭的投诉', 'No open complaints'],
  orderKind: ['类型', 'Type'],
  kindRepair: ['报修', 'Repair'],
  kindComplaint: ['投诉', 'Complaint'],
  complainant: ['投诉人', 'Complainant'],
  complaintContent: ['投诉内容', 'What the complaint is about'],
  complaintSheet: ['投诉处理单', 'Complaint sheet'],
  receivedAt: ['受理时间', 'Received'],
  receivedVia: ['受理方式', 'Received via'],
  classification: ['投诉分类', 'Classification'],
  department: ['责任部门', 'Responsible department'],
  transferredTo: ['转交', 'Transferred'],
  replyPlan: ['答复方案', 'Plan given'],
  handling: ['处理经过', 'Handling'],
  outcome: ['处理结果', 'Outcome'],
  headOpinion: ['部门负责人意见（退回）', 'Department head\'s opinion (returned)'],
  evaluation: ['客户评价', 'Owner\'s evaluation'],
  callbackClosure: ['回访及封闭', 'Callback and closure'],
  closedAt: ['已封闭', 'Closed'],
  claim: ['索赔', 'Compensation claim'],
  claimAmount: ['索赔金额（元）', 'Amount claimed (yuan)'],
  evidence: ['证据（照片请在下方“照片”中添加）', 'Evidence (add photos below under Photos)'],
  approve: ['批准', 'Approve'],
  reject: ['驳回', 'Reject'],
  approvedAmount: ['批准金额（元，默认全额）', 'Amount approved (yuan; default: all)'],
  awaitingApproval: ['待主管审批', 'Awaiting a supervisor'],
  claimApproved: ['已批准', 'Approved'],
  claimRejected: ['已驳回', 'Rejected'],
  linkedOrders: ['关联工单', 'Linked orders'],
  linkWhich: ['本户的报修单', 'Repair orders for this unit'],
  noLinkable: ['本户没有可关联的报修单', 'No repair orders for this unit to link'],
  escalated: ['升级督办', 'Escalated'],
  handledWell: ['对处理满意', 'Satisfied with the handling'],
  handledBadly: ['对处理不满意', 'Not satisfied with the handling'],
  ownerWords: ['业主原话', 'In the owner\'s words'],
  notYet: ['未填', 'not yet'],
  beforeRework: ['返修前的签认（工作已重做，不再计入）', 'Signed before the rework (the work was redone; no longer counts)'],
} satisfies Record<string, [string, string]>;

export type Word = keyof typeof words;

/** The word in the current language. */
export function t(key: Word): string {
  return words[key][ui.lang === 'zh' ? 0 : 1];
}

function pick(table: Record<string, { zh: string; en: string }>, code: string | null | undefined): string {
  if (!code) return '';
  const row = table[code];
  return row ? row[ui.lang] : code;
}

/** A status as people call it for this kind of order (a complaint is handled, not repaired). */
export const statusLabel = (code: string | null | undefined, kind?: string | null) =>
  pick(kind === 'complaint' ? COMPLAINT_STATUS : STATUS, code);
export const complaintClassLabel = (code: string | null | undefined) => pick(COMPLAINT_CLASS, code);
export const COMPLAINT_CLASSES = Object.keys(COMPLAINT_CLASS).filter((c) => c !== 'invalid');
export const deadlineLabel = (code: string | null | undefined) => pick(DEADLINE, code);
export const partyLabel = (code: string | null | undefined) => pick(PARTY, code);
export const verdictLabel = (code: string | null | undefined) => pick(VERDICT, code);
export const signerLabel = (code: string | null | undefined) => pick(SIGNER, code);

/** A message pair from Rust in the current language. */
export function msg(m: { zh: string; en: string } | null | undefined): string {
  return m ? m[ui.lang] : '';
}

const urgencies: Record<string, [string, string]> = {
  emergency: ['紧急', 'Emergency'],
  important: ['重要', 'Important'],
  normal: ['一般', 'Normal'],
};
const channels: Record<string, [string, string]> = {
  hotline: ['电话', 'Hotline'],
  walk_in: ['来访', 'Walk-in'],
  written: ['书面', 'Written'],
  app: ['App', 'App'],
  inspection: ['巡查', 'Inspection'],
};
function pickPair(table: Record<string, [string, string]>, code: string): string {
  const row = table[code];
  return row ? row[ui.lang === 'zh' ? 0 : 1] : code;
}
export const urgencyLabel = (code: string) => pickPair(urgencies, code);
export const channelLabel = (code: string) => pickPair(channels, code);
export const URGENCIES = Object.keys(urgencies);
export const CHANNELS = Object.keys(channels);
