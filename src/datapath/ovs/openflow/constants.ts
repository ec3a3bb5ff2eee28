/** OpenFlow numbers the pipeline needs, named as in the OpenFlow 1.3/1.4 specifications. */

/** Protocol versions (ofp_header.version). */
export const OFP13_VERSION = 0x04;
export const OFP14_VERSION = 0x05;

/** Reserved ports (enum ofp_port_no). */
export const OFPP_MAX = 0xffffff00;
export const OFPP_IN_PORT = 0xfffffff8;
export const OFPP_TABLE = 0xfffffff9;
export const OFPP_NORMAL = 0xfffffffa;
export const OFPP_FLOOD = 0xfffffffb;
export const OFPP_ALL = 0xfffffffc;
export const OFPP_CONTROLLER = 0xfffffffd;
export const OFPP_LOCAL = 0xfffffffe;
export const OFPP_ANY = 0xffffffff;

/** Reserved groups (enum ofp_group) and tables (enum ofp_table). */
export const OFPG_MAX = 0xffffff00;
export const OFPG_ALL = 0xfffffffc;
export const OFPG_ANY = 0xffffffff;
export const OFPTT_MAX = 0xfe;
export const OFPTT_ALL = 0xff;

/** VLAN id bit that says "a tag is present" (enum ofp_vlan_id). */
export const OFPVID_PRESENT = 0x1000;
export const OFPVID_NONE = 0x0000;

/** max_len meaning "send the whole packet to the controller" (enum ofp_controller_max_len). */
export const OFPCML_NO_BUFFER = 0xffff;

/** Flow-mod flags (enum ofp_flow_mod_flags). */
export const OFPFF_SEND_FLOW_REM = 1 << 0;
export const OFPFF_CHECK_OVERLAP = 1 << 1;
export const OFPFF_RESET_COUNTS = 1 << 2;
export const OFPFF_NO_PKT_COUNTS = 1 << 3;
export const OFPFF_NO_BYT_COUNTS = 1 << 4;

/** Message types the connection reacts to (enum ofp_type). */
export const OFPT_HELLO = 0;
export const OFPT_ERROR = 1;
export const OFPT_ECHO_REQUEST = 2;
export const OFPT_ECHO_REPLY = 3;
export const OFPT_FEATURES_REPLY = 6;
export const OFPT_SET_CONFIG = 9;
export const OFPT_PACKET_IN = 10;
export const OFPT_PACKET_OUT = 13;
export const OFPT_MULTIPART_REPLY = 19;
export const OFPT_BARRIER_REPLY = 21;
export const OFPT_METER_MOD = 29;
export const OFPT_BUNDLE_CONTROL = 33;

/** Meter configuration flags (enum ofp_meter_flags) and the drop band (enum ofp_meter_band_type). */
export const OFPMF_KBPS = 1 << 0;
export const OFPMF_PKTPS = 1 << 1;
export const OFPMF_BURST = 1 << 2;
export const OFPMF_STATS = 1 << 3;
export const OFPMBT_DROP = 1;

/** Meter numbers (enum ofp_meter): OFPM_ALL in a meter request or delete means every meter. */
export const OFPM_MAX = 0xffff0000;
export const OFPM_SLOWPATH = 0xfffffffd;
export const OFPM_CONTROLLER = 0xfffffffe;
export const OFPM_ALL = 0xffffffff;

/** Bad-request error type and the code vswitchd answers a packet-out naming a port it lacks (enum ofp_bad_request_code). */
export const OFPET_BAD_REQUEST = 1;
export const OFPBRC_BAD_PORT = 11;
/** Meter-mod error type and codes (OFPET_METER_MOD_FAILED, enum ofp_meter_mod_failed_code). */
export const OFPET_METER_MOD_FAILED = 12;
export const OFPMMFC_METER_EXISTS = 1;
export const OFPMMFC_UNKNOWN_METER = 3;

/** Why a packet reached the controller (enum ofp_packet_in_reason; the last three from OpenFlow 1.4). */
export const OFPR_NO_MATCH = 0;
export const OFPR_ACTION = 1;
export const OFPR_INVALID_TTL = 2;
export const OFPR_ACTION_SET = 3;
export const OFPR_GROUP = 4;
export const OFPR_PACKET_OUT = 5;

/** Bundle control types and flags (OpenFlow 1.4 enum ofp_bundle_ctrl_type / ofp_bundle_flags). */
export const OFPBCT_OPEN_REQUEST = 0;
export const OFPBCT_OPEN_REPLY = 1;
export const OFPBCT_COMMIT_REQUEST = 4;
export const OFPBCT_COMMIT_REPLY = 5;
export const OFPBCT_DISCARD_REQUEST = 6;
export const OFPBCT_DISCARD_REPLY = 7;
export const OFPBF_ATOMIC = 1 << 0;
export const OFPBF_ORDERED = 1 << 1;

/** Multipart types used by dumps (enum ofp_multipart_type). */
export const OFPMP_FLOW = 1;
export const OFPMP_GROUP_DESC = 7;
export const OFPMP_METER = 9;
export const OFPMP_METER_CONFIG = 10;

/** "More replies follow" flag of a multipart reply (enum ofp_multipart_reply_flags). */
export const OFPMPF_REPLY_MORE = 1;

/** Instruction types (enum ofp_instruction_type). */
export const OFPIT_GOTO_TABLE = 1;
export const OFPIT_WRITE_METADATA = 2;
export const OFPIT_WRITE_ACTIONS = 3;
export const OFPIT_APPLY_ACTIONS = 4;
export const OFPIT_CLEAR_ACTIONS = 5;
export const OFPIT_METER = 6;

/** Action types (enum ofp_action_type). */
export const OFPAT_OUTPUT = 0;
export const OFPAT_PUSH_VLAN = 17;
export const OFPAT_POP_VLAN = 18;
export const OFPAT_SET_QUEUE = 21;
export const OFPAT_GROUP = 22;
export const OFPAT_DEC_NW_TTL = 24;
export const OFPAT_SET_FIELD = 25;

/** Flow-mod commands (enum ofp_flow_mod_command). */
export const OFPFC_ADD = 0;
export const OFPFC_MODIFY = 1;
export const OFPFC_MODIFY_STRICT = 2;
export const OFPFC_DELETE = 3;
export const OFPFC_DELETE_STRICT = 4;

/** "No buffered packet" (OFP_NO_BUFFER). */
export const OFP_NO_BUFFER = 0xffffffff;

/** Conntrack state bits of the ctState match field (OVS's CS_* values, lib/packets.h). */
export const CS_NEW = 0x01;
export const CS_ESTABLISHED = 0x02;
export const CS_RELATED = 0x04;
export const CS_REPLY_DIR = 0x08;
export const CS_INVALID = 0x10;
export const CS_TRACKED = 0x20;
export const CS_SRC_NAT = 0x40;
export const CS_DST_NAT = 0x80;
