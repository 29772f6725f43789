package io.karakuri.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): {@code Bearer realm="…",service="…",
 * scope="repository:a:pull repository:b:pull,push"} or {@code Basic realm="…"}. Quoted values may hold
 * commas, spaces and backslash escapes; one header may carry several challenges.
 *
 * @param scheme the scheme in lower case: {@code bearer}, {@code basic}
 * @param params the parameters, names in lower case
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

    public boolean isBearer() {
        return scheme.equals("bearer");
    }

    public boolean isBasic() {
        return scheme.equals("basic");
    }

    public String realm() {
        return params.get("realm");
    }

    public String service() {
        return params.get("service");
    }

    /** The scopes the challenge names, split on spaces: a challenge can carry several. */
    public List<String> scopes() {
        String scope = params.get("scope");
        if (scope == null || scope.isBlank()) {
            return List.of();
        }
        return List.of(scope.trim().split(" +"));
    }

    /** Every challenge in the given header values, in order; values that do not parse are skipped. */
    public static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> all = new ArrayList<>();
        for (String value : headerValues) {
            all.addAll(parse(value));
        }
        return all;
    }

    /** Every challenge in one header value. */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> out = new ArrayList<>();
        Parser p = new Parser(header);
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            p.skip(" \t,");
            if (p.end()) {
                break;
            }
            String token = p.token();
            if (token.isEmpty()) {
                p.pos++; // a character that starts nothing: skip it
                continue;
            }
            p.skip(" \t");
            if (scheme != null && p.peek() == '=' && !p.isToken68End()) {
                p.pos++;
                p.skip(" \t");
                params.put(token.toLowerCase(Locale.ROOT), p.peek() == '"' ? p.quoted() : p.token());
            } else {
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, Map.copyOf(params)));
                }
                scheme = token.toLowerCase(Locale.ROOT);
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, Map.copyOf(params)));
        }
        return out;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        boolean end() {
            return pos >= s.length();
        }

        char peek() {
            return end() ? 0 : s.charAt(pos);
        }

        /** "token68" values end in '=' padding ("Basic abc=="): an '=' followed by nothing or a comma. */
        boolean isToken68End() {
            int i = pos;
            while (i < s.length() && s.charAt(i) == '=') {
                i++;
            }
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i >= s.length() || s.charAt(i) == ',';
        }

        void skip(String chars) {
            while (!end() && chars.indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (!end() && "!#$%&'*+-.^_`|~:/".indexOf(s.charAt(pos)) >= 0 || !end() && Character.isLetterOrDigit(s.charAt(pos))) {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            StringBuilder b = new StringBuilder();
            pos++; // opening quote
            while (!end()) {
                char c = s.charAt(pos++);
                if (c == '\\' && !end()) {
                    b.append(s.charAt(pos++));
                } else if (c == '"') {
                    break;
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }
}
