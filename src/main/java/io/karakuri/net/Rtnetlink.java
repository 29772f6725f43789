package io.karakuri.net;

import io.karakuri.linux.Errno;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Native;
import io.karakuri.linux.NetNamespaces;
import io.karakuri.linux.Sys;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * rtnetlink (NETLINK_ROUTE) over a raw fd, through FFM: links, addresses and routes without running
 * `ip`. A socket works on the network namespace it was made in: {@link #open()} the JVM's,
 * {@link #openIn(int)} another one (made by libfutaba's helper thread, the JVM never enters it).
 * Not thread-safe: one request at a time.
 */
public final class Rtnetlink implements AutoCloseable {
    /** A link as the kernel reports it. kind: "bridge", "veth"… or null; master: the bridge's index or 0. */
    public record Link(int index, String name, int flags, int master, String kind) {
        public boolean up() {
            return (flags & IFF_UP) != 0;
        }
    }

    static final int AF_NETLINK = 16;
    static final int AF_INET = 2;
    static final int SOCK_RAW = 3;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;
    static final int NETLINK_EXT_ACK = 11;

    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_ROOT = 0x100;
    static final int NLM_F_MATCH = 0x200;
    static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    static final int NLM_F_REPLACE = 0x100;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20;
    static final int RTM_NEWROUTE = 24;

    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MASTER = 10;
    static final int IFLA_PROTINFO = 12;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_BRPORT_MODE = 4;
    static final int NLA_F_NESTED = 0x8000;
    static final int AF_BRIDGE = 7;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_BROADCAST = 4;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;

    static final int IFF_UP = 1;
    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_BOOT = 3;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RTN_UNICAST = 1;
    static final int IFNAMSIZ = 16;

    private static final int BUFFER = 64 * 1024;

    private final int fd;
    private final String where;
    private int seq;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(BUFFER, 8);

    private Rtnetlink(int fd, String where) {
        this.fd = fd;
        this.where = where;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocateFrom(ValueLayout.JAVA_INT, 1);
            // error messages from the kernel (extended acks) and acks without a copy of the request;
            // best effort: old kernels answer with plain errnos
            Native.syscall(Sys.SETSOCKOPT, fd, SOL_NETLINK, NETLINK_EXT_ACK, one.address(), 4, 0);
            Native.syscall(Sys.SETSOCKOPT, fd, SOL_NETLINK, NETLINK_CAP_ACK, one.address(), 4, 0);
        }
    }

    /** A socket in the JVM's own network namespace. */
    public static Rtnetlink open() {
        long r = Native.syscall(Sys.SOCKET, AF_NETLINK, SOCK_RAW | 0x80000, NETLINK_ROUTE, 0, 0, 0);
        if (r < 0) {
            throw new LinuxException("socket", "netlink", (int) -r);
        }
        return new Rtnetlink((int) r, null);
    }

    /** A socket in the network namespace of netnsFd (the fd may be closed afterwards). */
    public static Rtnetlink openIn(int netnsFd, String description) {
        return new Rtnetlink(NetNamespaces.socketIn(netnsFd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), description);
    }

    @Override
    public void close() {
        LinuxSyscalls.INSTANCE.close(fd);
        arena.close();
    }

    // ---- links

    /** The link named name, if there is one. */
    public Optional<Link> link(String name) {
        checkName(name);
        Message m = new Message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK).ifinfo(0, 0, 0).string(IFLA_IFNAME, name);
        try {
            List<ByteBuffer> replies = request(m, "get link " + name);
            return replies.isEmpty() ? Optional.empty() : Optional.of(parseLink(replies.getFirst()));
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every link. */
    public List<Link> links() {
        Message m = new Message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP).ifinfo(0, 0, 0);
        List<Link> links = new ArrayList<>();
        for (ByteBuffer reply : request(m, "list links")) {
            links.add(parseLink(reply));
        }
        return links;
    }

    /**
     * Creates a bridge (EEXIST if a link of that name exists) with a random, locally administered MAC
     * address of its own: else it takes its lowest port's, and changes as containers come and go.
     */
    public void createBridge(String name) {
        checkName(name);
        byte[] mac = new byte[6];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(mac);
        mac[0] = (byte) ((mac[0] & 0xfe) | 0x02); // unicast, locally administered
        Message m = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).ifinfo(0, 0, 0)
                .string(IFLA_IFNAME, name).bytes(IFLA_ADDRESS, mac);
        int info = m.begin(IFLA_LINKINFO);
        m.string(IFLA_INFO_KIND, "bridge");
        m.end(info);
        request(m, "create bridge " + name);
    }

    /**
     * Creates a veth pair: name here, enslaved to master (an index, 0: none); its peer peerName in the
     * network namespace of peerNetnsFd (the name is the peer namespace's to check), with MAC address
     * peerMac (null: one the kernel picks).
     */
    public void createVeth(String name, int master, String peerName, int peerNetnsFd, byte[] peerMac) {
        checkName(name);
        checkName(peerName);
        Message m = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).ifinfo(0, 0, 0)
                .string(IFLA_IFNAME, name);
        if (master > 0) {
            m.int32(IFLA_MASTER, master);
        }
        int info = m.begin(IFLA_LINKINFO);
        m.string(IFLA_INFO_KIND, "veth");
        int data = m.begin(IFLA_INFO_DATA);
        int peer = m.begin(VETH_INFO_PEER);
        m.ifinfo(0, 0, 0).string(IFLA_IFNAME, peerName).int32(IFLA_NET_NS_FD, peerNetnsFd);
        if (peerMac != null) {
            m.bytes(IFLA_ADDRESS, peerMac);
        }
        m.end(peer);
        m.end(data);
        m.end(info);
        request(m, "create veth " + name + " (peer " + peerName + ")");
    }

    /**
     * Turns on hairpin mode of a bridge port (as `bridge link set dev X hairpin on`): frames may go back
     * out of the port they came in by, which a container needs to reach its own published port.
     */
    public void setHairpin(int index, boolean on) {
        Message m = new Message(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
        m.buffer.put((byte) AF_BRIDGE).put((byte) 0).putShort((short) 0).putInt(index).putInt(0).putInt(0);
        int info = m.begin(IFLA_PROTINFO | NLA_F_NESTED);
        m.bytes(IFLA_BRPORT_MODE, new byte[] {(byte) (on ? 1 : 0)});
        m.end(info);
        request(m, "set hairpin mode of link " + index);
    }

    /** Brings a link up. */
    public void setUp(int index) {
        request(new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK).ifinfo(index, IFF_UP, IFF_UP), "set link " + index + " up");
    }

    /** Deletes a link (a veth: both ends); false if there is none of that name. */
    public boolean deleteLink(String name) {
        checkName(name);
        try {
            request(new Message(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK).ifinfo(0, 0, 0).string(IFLA_IFNAME, name),
                    "delete link " + name);
            return true;
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    // ---- addresses and routes

    /** Adds address (with its prefix) to a link, or replaces it if it is there: idempotent. */
    public void addAddress(int index, Ipv4 address) {
        Message m = new Message(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        m.buffer.put((byte) AF_INET).put((byte) address.prefix()).put((byte) 0).put((byte) RT_SCOPE_UNIVERSE).putInt(index);
        m.bytes(IFA_LOCAL, address.bytes()).bytes(IFA_ADDRESS, address.bytes());
        if (address.prefix() < 31) {
            m.bytes(IFA_BROADCAST, address.broadcast().bytes());
        }
        request(m, "add address " + address + " to link " + index);
    }

    /** Sets the default route via gateway out of link index (replacing one that is there). */
    public void setDefaultRoute(Ipv4 gateway, int index) {
        Message m = new Message(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        m.buffer.put((byte) AF_INET).put((byte) 0).put((byte) 0).put((byte) 0)
                .put((byte) RT_TABLE_MAIN).put((byte) RTPROT_BOOT).put((byte) RT_SCOPE_UNIVERSE).put((byte) RTN_UNICAST)
                .putInt(0);
        m.bytes(RTA_GATEWAY, gateway.bytes()).int32(RTA_OIF, index);
        request(m, "add default route via " + gateway.address());
    }

    // ---- the protocol

    /** Interface names karakuri makes or accepts: 1-15 of [A-Za-z0-9_.-] (safe in nft rules too). */
    static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,15}") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a valid interface name (1-15 of A-Z a-z 0-9 _ . -): '" + name + "'");
        }
    }

    /** A request being built: nlmsghdr, then the family header and attributes the caller adds. */
    static final class Message {
        final ByteBuffer buffer = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

        Message(int type, int flags) {
            buffer.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
        }

        Message ifinfo(int index, int flags, int change) {
            buffer.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
            return this;
        }

        Message bytes(int type, byte[] data) {
            buffer.putShort((short) (4 + data.length)).putShort((short) type).put(data);
            align();
            return this;
        }

        Message string(int type, String value) {
            byte[] text = value.getBytes(StandardCharsets.UTF_8);
            byte[] withNul = new byte[text.length + 1];
            System.arraycopy(text, 0, withNul, 0, text.length);
            return bytes(type, withNul);
        }

        Message int32(int type, int value) {
            return bytes(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
        }

        /** Starts a nested attribute; end(position) closes it. */
        int begin(int type) {
            int position = buffer.position();
            buffer.putShort((short) 0).putShort((short) type);
            return position;
        }

        void end(int position) {
            buffer.putShort(position, (short) (buffer.position() - position));
        }

        private void align() {
            while ((buffer.position() & 3) != 0) {
                buffer.put((byte) 0);
            }
        }

        byte[] finish(int seq) {
            buffer.putInt(0, buffer.position());
            buffer.putInt(8, seq);
            byte[] out = new byte[buffer.position()];
            buffer.get(0, out);
            return out;
        }
    }

    /**
     * Sends m and collects the replies (each a buffer positioned at its nlmsghdr) up to the ack or, for
     * a dump, NLMSG_DONE. A negative ack throws LinuxException with the kernel's message, if any.
     */
    private List<ByteBuffer> request(Message m, String what) {
        int mySeq = ++seq;
        byte[] out = m.finish(mySeq);
        MemorySegment.copy(out, 0, buffer, ValueLayout.JAVA_BYTE, 0, out.length);
        long w = Native.syscall(Sys.WRITE, fd, buffer.address(), out.length, 0, 0, 0);
        if (w < 0) {
            throw new LinuxException("netlink send", what(what), (int) -w);
        }
        List<ByteBuffer> replies = new ArrayList<>();
        while (true) {
            long n;
            do {
                n = Native.syscall(Sys.READ, fd, buffer.address(), BUFFER, 0, 0, 0);
            } while (n == -Errno.EINTR);
            if (n < 0) {
                throw new LinuxException("netlink receive", what(what), (int) -n);
            }
            ByteBuffer in = ByteBuffer.wrap(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.nativeOrder());
            int offset = 0;
            while (offset + 16 <= n) {
                int length = in.getInt(offset);
                int type = Short.toUnsignedInt(in.getShort(offset + 4));
                int flags = Short.toUnsignedInt(in.getShort(offset + 6));
                int replySeq = in.getInt(offset + 8);
                if (length < 16 || offset + length > n) {
                    throw new IllegalStateException("netlink: a malformed reply to " + what);
                }
                if (replySeq == mySeq) {
                    if (type == NLMSG_DONE) {
                        return replies;
                    }
                    if (type == NLMSG_ERROR) {
                        int error = in.getInt(offset + 16);
                        if (error == 0) {
                            return replies;
                        }
                        throw new LinuxException(what(what), null, -error, extAckMessage(in, offset, length, flags));
                    }
                    ByteBuffer reply = in.slice(offset, length).order(ByteOrder.nativeOrder());
                    replies.add(reply);
                }
                offset += (length + 3) & ~3;
            }
        }
    }

    private String what(String what) {
        return where == null ? what : what + " in " + where;
    }

    /** NLMSGERR_ATTR_MSG of an error reply, or null. */
    private static String extAckMessage(ByteBuffer in, int offset, int length, int flags) {
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int originalLength = in.getInt(offset + 20);
        // error (4) + the request: its header only with NLM_F_CAPPED (0x100), else all of it
        int tlv = offset + 20 + ((flags & 0x100) != 0 ? 16 : (originalLength + 3) & ~3);
        int end = offset + length;
        while (tlv + 4 <= end) {
            int attrLength = Short.toUnsignedInt(in.getShort(tlv));
            int attrType = Short.toUnsignedInt(in.getShort(tlv + 2));
            if (attrLength < 4 || tlv + attrLength > end) {
                break;
            }
            if (attrType == NLMSGERR_ATTR_MSG) {
                return cString(in, tlv + 4, attrLength - 4);
            }
            tlv += (attrLength + 3) & ~3;
        }
        return null;
    }

    private static String cString(ByteBuffer in, int from, int max) {
        int end = from;
        while (end < from + max && in.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - from];
        in.get(from, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A RTM_NEWLINK message: ifinfomsg at 16, attributes from 32. */
    static Link parseLink(ByteBuffer msg) {
        int length = msg.getInt(0);
        int index = msg.getInt(20);
        int flags = msg.getInt(24);
        String name = null;
        String kind = null;
        int master = 0;
        int attr = 32;
        while (attr + 4 <= length) {
            int attrLength = Short.toUnsignedInt(msg.getShort(attr));
            int attrType = Short.toUnsignedInt(msg.getShort(attr + 2)) & 0x3fff;
            if (attrLength < 4 || attr + attrLength > length) {
                break;
            }
            switch (attrType) {
                case IFLA_IFNAME -> name = cString(msg, attr + 4, attrLength - 4);
                case IFLA_MASTER -> master = msg.getInt(attr + 4);
                case IFLA_LINKINFO -> {
                    int nested = attr + 4;
                    while (nested + 4 <= attr + attrLength) {
                        int l = Short.toUnsignedInt(msg.getShort(nested));
                        if (l < 4) {
                            break;
                        }
                        if ((msg.getShort(nested + 2) & 0x3fff) == IFLA_INFO_KIND) {
                            kind = cString(msg, nested + 4, l - 4);
                        }
                        nested += (l + 3) & ~3;
                    }
                }
                default -> {
                }
            }
            attr += (attrLength + 3) & ~3;
        }
        return new Link(index, name, flags, master, kind);
    }
}
