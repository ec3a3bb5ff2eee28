/** Kernel constants the policy layer needs, named as in linux/netlink.h and linux/rtnetlink.h. */
import { constants } from 'node:os';

/** Multipart message (part of a dump). */
export const NLM_F_MULTI = 0x02;
/** Ask the kernel to send the resulting notification back (the created link, with its index). */
export const NLM_F_ECHO = 0x08;
/** The dump was inconsistent: the object list changed while it was being read. */
export const NLM_F_DUMP_INTR = 0x10;
/** Protocol of rtnetlink sockets. */
export const NETLINK_ROUTE = 0;
/** Protocol of generic netlink sockets (ethtool). */
export const NETLINK_GENERIC = 16;
/** A link message (reply to RTM_GETLINK, or the echo of a created link). */
export const RTM_NEWLINK = 16;
/** An address message. */
export const RTM_NEWADDR = 20;
/** A route message. */
export const RTM_NEWROUTE = 24;
/** A route deletion (request, or notification of a removed route). */
export const RTM_DELROUTE = 25;
/** A neighbour / FDB message. */
export const RTM_NEWNEIGH = 28;
/** The main routing table. */
export const RT_TABLE_MAIN = 254;
/** A gateway or direct unicast route. */
export const RTN_UNICAST = 1;

/** errno values the op semantics test for, from Node's own table (same names as errno.h). */
export const { ENOENT, ENODEV, EEXIST, EINTR, EADDRNOTAVAIL, EOPNOTSUPP, ESRCH } = constants.errno as Record<string, number>;
/** EINVAL, the errno of arguments rejected before anything is sent. */
export const EINVAL_PARSE = (constants.errno as Record<string, number>).EINVAL;
