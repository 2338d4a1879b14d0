// Generated from the Rust domain by signoff-app (types::export_bindings). Do not edit.

export const STATUS: Record<string, { zh: string; en: string }> = {
  reported: { zh: "待派工", en: "To dispatch" },
  assigned: { zh: "已派工", en: "Assigned" },
  on_site: { zh: "维修中", en: "On site" },
  paused: { zh: "待续修", en: "Paused" },
  completed: { zh: "待验收", en: "Awaiting sign-off" },
  signoff_refused: { zh: "业主拒签", en: "Sign-off refused" },
  signed_off: { zh: "已验收", en: "Signed off" },
  reopened: { zh: "返修", en: "Reopened" },
  closed: { zh: "已关闭", en: "Closed" },
  cancelled: { zh: "已取消", en: "Cancelled" },
};

export const COMPLAINT_STATUS: Record<string, { zh: string; en: string }> = {
  reported: { zh: "处理中", en: "open" },
  assigned: { zh: "现场处理中", en: "being handled on site" },
  on_site: { zh: "现场处理中", en: "being handled on site" },
  paused: { zh: "现场处理中", en: "being handled on site" },
  completed: { zh: "待回访", en: "callback due" },
  signoff_refused: { zh: "待回访", en: "callback due" },
  signed_off: { zh: "待回访", en: "callback due" },
  reopened: { zh: "重新处理", en: "reopened" },
  closed: { zh: "已关闭", en: "closed" },
  cancelled: { zh: "已取消", en: "cancelled" },
};

export const COMPLAINT_CLASS: Record<string, { zh: string; en: string }> = {
  valid: { zh: "有效投诉", en: "valid complaint" },
  help_request: { zh: "沟通性投诉（求助）", en: "communicative (help request)" },
  enquiry: { zh: "沟通性投诉（咨询）", en: "communicative (enquiry)" },
  venting: { zh: "沟通性投诉（发泄）", en: "communicative (venting)" },
  invalid: { zh: "无效投诉", en: "invalid complaint" },
};

export const DEADLINE: Record<string, { zh: string; en: string }> = {
  contact: { zh: "回复业主", en: "Call the owner back" },
  emergency_on_site: { zh: "紧急到场", en: "Emergency on site" },
  contractor_on_site: { zh: "施工单位到场", en: "Contractor on site" },
  start_repair: { zh: "上门维修", en: "Start the repair" },
  complaint_transfer: { zh: "投诉转交", en: "Pass to the department" },
  complaint_answer: { zh: "投诉答复", en: "Answer the complaint" },
  callback: { zh: "回访", en: "Callback" },
};

export const PARTY: Record<string, { zh: string; en: string }> = {
  owner: { zh: "业主", en: "owner" },
  property_company: { zh: "物业公司", en: "property company" },
  developer: { zh: "开发商", en: "developer" },
  warranty_contractor: { zh: "保修施工单位", en: "warranty contractor" },
  undetermined: { zh: "待定", en: "to be decided" },
};

export const VERDICT: Record<string, { zh: string; en: string }> = {
  valid: { zh: "签认有效", en: "valid" },
  invalid_signature: { zh: "签名无效", en: "invalid signature" },
  unknown_device: { zh: "未知设备", en: "unknown device" },
  heads_not_in_document: { zh: "签认内容不在本工单中", en: "covers changes this order does not have" },
  summary_mismatch: { zh: "签认摘要与工单不符", en: "summary does not match the order" },
  changed_after_signoff: { zh: "签认后内容有改动", en: "changed after sign-off" },
  not_verified: { zh: "未验证", en: "not verified" },
};

export const SIGNER: Record<string, { zh: string; en: string }> = {
  repairer: { zh: "维修部", en: "Repair department" },
  owner: { zh: "业主", en: "Owner" },
  authorised_tenant: { zh: "授权住户", en: "Authorised occupant" },
  supervisor: { zh: "监理", en: "Site supervisor" },
  project: { zh: "项目部", en: "Project department" },
  contractor: { zh: "施工单位", en: "Contractor" },
};
