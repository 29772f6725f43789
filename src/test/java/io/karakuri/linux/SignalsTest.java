package io.karakuri.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {

    @ParameterizedTest
    @CsvSource({
        "KILL, 9", "SIGKILL, 9", "kill, 9", "sigKill, 9", "9, 9", "' 15 ', 15", "TERM, 15", "HUP, 1", "1, 1",
        "SIGSYS, 31", "CHLD, 17", "WINCH, 28", "IOT, 6", "SIGPOLL, 29", "64, 64", "RTMIN, 34", "RTMAX, 64",
        "RTMIN+3, 37", "SIGRTMIN+3, 37", "rtmin+30, 64", "RTMAX-1, 63", "RTMAX-30, 34",
    })
    void parsesNamesAndNumbers(String text, int number) {
        assertEquals(number, Signals.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0", "65", "1000", "0009", "-9", "FOO", "", "SIG", "SIGSIGKILL", "RTMIN+31", "RTMAX-31", "RTMIN+x", "RTMIN+",
        "RTMAX--1", "RTMIN+-1",
    })
    void rejectsInvalidSignals(String text) {
        assertThrows(IllegalArgumentException.class, () -> Signals.parse(text));
    }

    @Test
    void names() {
        assertEquals("SIGKILL", Signals.name(9));
        assertEquals("SIGHUP", Signals.name(1));
        assertEquals("SIGSYS", Signals.name(31));
        assertEquals("SIGRTMIN+3", Signals.name(37));
        assertEquals("signal 0", Signals.name(0));
        assertEquals("signal 65", Signals.name(65));
    }

    @Test
    void everyNamedSignalParsesBackToItsNumber() {
        for (int n = 1; n <= 64; n++) {
            if (n == 32 || n == 33) { // reserved by the C library: no name
                continue;
            }
            assertEquals(n, Signals.parse(Signals.name(n)), Signals.name(n));
        }
    }
}
