package io.karakuri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferenceTest {
    private static final String D = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            # input                      | canonical                                  | familiar                  | host
            alpine                       | docker.io/library/alpine:latest            | alpine:latest             | registry-1.docker.io
            alpine:3.19                  | docker.io/library/alpine:3.19              | alpine:3.19               | registry-1.docker.io
            library/alpine               | docker.io/library/alpine:latest            | alpine:latest             | registry-1.docker.io
            docker.io/alpine             | docker.io/library/alpine:latest            | alpine:latest             | registry-1.docker.io
            index.docker.io/library/x:1  | docker.io/library/x:1                      | x:1                       | registry-1.docker.io
            user/app                     | docker.io/user/app:latest                  | user/app:latest           | registry-1.docker.io
            library/a/b                  | docker.io/library/a/b:latest               | library/a/b:latest        | registry-1.docker.io
            host:5000/a/b:tag            | host:5000/a/b:tag                          | host:5000/a/b:tag         | host:5000
            127.0.0.1:5000/x             | 127.0.0.1:5000/x:latest                    | 127.0.0.1:5000/x:latest   | 127.0.0.1:5000
            localhost/x                  | localhost/x:latest                         | localhost/x:latest        | localhost
            localhost:5000/x_y.z__w-v--u | localhost:5000/x_y.z__w-v--u:latest        | localhost:5000/x_y.z__w-v--u:latest | localhost:5000
            example.com/a                | example.com/a:latest                       | example.com/a:latest      | example.com
            Foo/bar                      | Foo/bar:latest                             | Foo/bar:latest            | Foo
            [::1]:5000/x:v1.0            | [::1]:5000/x:v1.0                          | [::1]:5000/x:v1.0         | [::1]:5000
            busybox:_T.a-1               | docker.io/library/busybox:_T.a-1           | busybox:_T.a-1            | registry-1.docker.io
            """)
    void parsesAsDockerDoes(String input, String canonical, String familiar, String host) {
        Reference r = Reference.parse(input);
        assertEquals(canonical, r.toString());
        assertEquals(familiar, r.familiar());
        assertEquals(host, r.registryHost());
        assertEquals(r, Reference.parse(r.toString()), "the canonical form parses to itself");
    }

    @Test
    void digests() {
        Reference r = Reference.parse("alpine@" + D);
        assertEquals("docker.io/library/alpine@" + D, r.toString());
        assertEquals("alpine@" + D, r.familiar());
        assertEquals(null, r.tag());
        assertEquals(D, r.identifier());

        Reference both = Reference.parse("host:5000/a:3.19@" + D);
        assertEquals("host:5000", both.domain());
        assertEquals("a", both.repository());
        assertEquals("3.19", both.tag());
        assertEquals(D, both.digest().toString());
        assertEquals(D, both.identifier());
        assertEquals("host:5000/a:3.19@" + D, both.toString());
        assertEquals("host:5000/a", both.repositoryOnly().toString());
        assertEquals("latest", Reference.parse("alpine").identifier());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Alpine                        | invalid reference "Alpine": repository name must be lowercase
            host:5000/App                 | invalid reference "host:5000/App": repository name must be lowercase
            ''                            | invalid reference "": repository name must have at least one component
            :tag                          | invalid reference ":tag": repository name must have at least one component
            alpine:                       | invalid reference "alpine:": invalid tag "": [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} expected
            alpine:-x                     | invalid reference "alpine:-x": invalid tag "-x": [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} expected
            alpine:a+b                    | invalid reference "alpine:a+b": invalid tag "a+b": [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} expected
            alpine@sha256:abc             | invalid reference "alpine@sha256:abc": invalid sha256 digest "abc": 64 lowercase hex digits expected
            alpine@md5:abc                | invalid reference "alpine@md5:abc": unsupported digest algorithm "md5" (sha256 or sha512)
            a//b                          | invalid reference "a//b": empty path component in repository name "a//b"
            host:5000/                    | invalid reference "host:5000/": empty path component in repository name ""
            a/b/                          | invalid reference "a/b/": empty path component in repository name "a/b/"
            a/-b                          | invalid reference "a/-b": invalid repository path component "-b": lowercase letters and digits, separated by '.', '_', '__' or '-'
            a/b___c                       | invalid reference "a/b___c": invalid repository path component "b___c": lowercase letters and digits, separated by '.', '_', '__' or '-'
            a/b.                          | invalid reference "a/b.": invalid repository path component "b.": lowercase letters and digits, separated by '.', '_', '__' or '-'
            -host.com/a                   | invalid reference "-host.com/a": invalid registry domain "-host.com"
            host:port/a                   | invalid reference "host:port/a": invalid registry domain "host:port"
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 | invalid reference "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": cannot specify 64-byte hexadecimal strings as a repository name
            """)
    void refusesNamingTheBadPart(String input, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Reference.parse(input)).getMessage());
    }

    @Test
    void tagAndNameLengths() {
        String tag128 = "t".repeat(128);
        assertEquals(tag128, Reference.parse("a:" + tag128).tag());
        assertThrows(IllegalArgumentException.class, () -> Reference.parse("a:" + tag128 + "x"));
        String longName = "a/" + "b".repeat(250);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reference.parse(longName));
        assertEquals("invalid reference \"" + longName + "\": repository name must not be more than 255 characters",
                e.getMessage());
    }
}
