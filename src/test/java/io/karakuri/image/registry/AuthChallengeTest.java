package io.karakuri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void bearerWithSeveralScopesAndCommasInQuotes() {
        List<AuthChallenge> all = AuthChallenge.parse(
                "Bearer realm=\"https://auth.example.com/token?a=1,b=2\",service=\"registry.example.com\","
                        + "scope=\"repository:a/b:pull,push repository:c:pull\"");
        assertEquals(1, all.size());
        AuthChallenge c = all.getFirst();
        assertTrue(c.isBearer());
        assertEquals("https://auth.example.com/token?a=1,b=2", c.realm());
        assertEquals("registry.example.com", c.service());
        assertEquals(List.of("repository:a/b:pull,push", "repository:c:pull"), c.scopes());
    }

    @Test
    void basicAndSeveralChallengesInOneHeader() {
        List<AuthChallenge> all = AuthChallenge.parse(
                "Basic realm=\"Registry \\\"Realm\\\"\", charset=UTF-8, BEARER realm=https://t/x, error=\"invalid_token\"");
        assertEquals(2, all.size());
        assertTrue(all.get(0).isBasic());
        assertEquals("Registry \"Realm\"", all.get(0).realm());
        assertEquals("UTF-8", all.get(0).params().get("charset"));
        assertTrue(all.get(1).isBearer());
        assertEquals("https://t/x", all.get(1).realm());
        assertEquals("invalid_token", all.get(1).params().get("error"));
        assertEquals(List.of(), all.get(1).scopes());
    }

    @Test
    void headerValuesAndOddInput() {
        assertEquals(2, AuthChallenge.parse(List.of("Basic realm=\"a\"", "Bearer realm=\"b\"")).size());
        assertEquals(List.of(), AuthChallenge.parse(""));
        AuthChallenge token68 = AuthChallenge.parse("Negotiate abc==").getFirst();
        assertEquals("negotiate", token68.scheme());
    }
}
