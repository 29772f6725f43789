package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.cli.Args.Option;
import io.karakuri.cli.Args.UsageException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArgsTest {
    private static final List<Option> OPTIONS = List.of(
            Option.value("DIR", "bundle directory", "bundle", "b"),
            Option.flag("kill it first", "force", "f"),
            Option.value("N", "how many", "count"),
            Option.flag("print this help", "help", "h"));

    private static Args parse(String... args) {
        return Args.parse(OPTIONS, List.of(args));
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--bundle /b", "--bundle=/b", "-bundle /b", "-bundle=/b", "-b /b", "-b=/b", "--b /b"})
    void acceptsEveryFormOfAValueOption(String commandLine) {
        Args args = parse(commandLine.split(" "));
        assertEquals("/b", args.value("bundle", null));
        assertEquals(List.of(), args.positionals());
    }

    @Test
    void aValueMayContainEqualsSignsOrBeEmpty() {
        assertEquals("a=b", parse("--bundle=a=b").value("bundle", null));
        assertEquals("", parse("--bundle=").value("bundle", "fallback"));
    }

    @Test
    void aValueMayLookLikeAnOption() {
        assertEquals("-1", parse("--count", "-1").value("count", null));
    }

    @Test
    void theLastOccurrenceWins() {
        assertEquals("y", parse("-b", "x", "--bundle", "y").value("bundle", null));
    }

    @Test
    void absentOptionsGiveTheFallback() {
        Args args = parse("id");
        assertEquals("dflt", args.value("bundle", "dflt"));
        assertEquals(3, args.intValue("count", 3));
        assertFalse(args.flag("force"));
    }

    @Test
    void booleanFlags() {
        assertTrue(parse("--force").flag("force"));
        assertTrue(parse("-f").flag("force"));
        assertTrue(parse("--force=true").flag("force"));
        assertFalse(parse("--force=false").flag("force"));
        assertFalse(parse("--force", "--force=false").flag("force"));
    }

    @Test
    void aBooleanFlagTakesOnlyTrueOrFalse() {
        assertEquals("option --force takes true or false, not \"yes\"", usageError("-f=yes"));
    }

    @Test
    void aBooleanFlagDoesNotConsumeTheNextArgument() {
        Args args = parse("--force", "false");
        assertTrue(args.flag("force"));
        assertEquals(List.of("false"), args.positionals());
    }

    @Test
    void unknownOption() {
        assertEquals("unknown option --nope", usageError("id", "--nope"));
        assertEquals("unknown option -x=1", usageError("-x=1"));
    }

    @Test
    void missingValue() {
        assertEquals("option --bundle needs a value", usageError("id", "--bundle"));
        assertEquals("option --bundle needs a value", usageError("-b"));
    }

    @Test
    void positionalsBeforeAndAfterOptions() {
        Args args = parse("id", "--force", "SIGKILL", "-b", "/b", "last");
        assertEquals(List.of("id", "SIGKILL", "last"), args.positionals());
        assertTrue(args.flag("force"));
        assertEquals("/b", args.value("bundle", null));
    }

    @Test
    void doubleDashEndsTheOptions() {
        Args args = parse("--force", "--", "--bundle", "-x", "--");
        assertTrue(args.flag("force"));
        assertEquals(List.of("--bundle", "-x", "--"), args.positionals());
        assertEquals(null, args.value("bundle", null));
    }

    @Test
    void aSingleDashIsAPositional() {
        assertEquals(List.of("-"), parse("-").positionals());
    }

    @Test
    void intValue() {
        assertEquals(12, parse("--count", "12").intValue("count", 0));
        assertEquals(-3, parse("--count=-3").intValue("count", 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"twelve", "1.5", "", "99999999999"})
    void intValueRejectsWhatIsNotAnInt(String value) {
        Args args = parse("--count=" + value);
        UsageException e = assertThrows(UsageException.class, () -> args.intValue("count", 0));
        assertEquals("option --count takes a number, not \"" + value + "\"", e.getMessage());
    }

    @Test
    void describeListsEveryNameAlignedInColumns() {
        assertEquals("""
                  -b, --bundle DIR  bundle directory
                  -f, --force       kill it first
                  --count N         how many
                  -h, --help        print this help
                """, Args.describe(OPTIONS));
    }
}
