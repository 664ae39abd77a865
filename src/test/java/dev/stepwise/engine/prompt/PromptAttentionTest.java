package dev.stepwise.engine.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.prompt.PromptAttention.Run;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviours of A1111's parse_prompt_attention (modules/prompt_parser.py), in cases of our own;
 * weights are written as the products A1111 forms, in its order, and compared exactly.
 */
class PromptAttentionTest {
  private static final double UP = 1.1;
  private static final double DOWN = 1 / 1.1;

  private static void check(String prompt, Run... expected) {
    assertEquals(List.of(expected), PromptAttention.parse(prompt), prompt);
  }

  private static Run run(String text, double weight) {
    return new Run(text, weight);
  }

  @Test
  void plainTextIsOneRunOfWeightOne() {
    check("a red heart emoji", run("a red heart emoji", 1.0));
    check("", run("", 1.0));
    check("colons: alone : stay", run("colons: alone : stay", 1.0));
    assertTrue(PromptAttention.isPlain(PromptAttention.parse("a red heart emoji")));
  }

  @Test
  void roundBracketsMultiplyBy1Point1AndSquareOnesDivide() {
    check("the (sun) sets", run("the ", 1.0), run("sun", UP), run(" sets", 1.0));
    check("[moon] rises", run("moon", DOWN), run(" rises", 1.0));
    check("((sky))", run("sky", 1.0 * UP * UP));
    check("[[sky]]", run("sky", 1.0 * DOWN * DOWN));
  }

  @Test
  void anExplicitWeightMultipliesAndNestingMultipliesInnermostFirst() {
    check("(fox:1.3)", run("fox", 1.3));
    check("((fox:1.3))", run("fox", 1.0 * 1.3 * UP));
    check("(fox: 0.25 ) den", run("fox", 0.25), run(" den", 1.0));
    check("(fox:-1)", run("fox", -1.0));
    check("(fox:+.5)", run("fox", 0.5));
    check(
        "((big:1.3)) [tree] on a (hill:0.5), sun, (((star))).",
        run("big", 1.0 * 1.3 * UP),
        run(" ", 1.0),
        run("tree", DOWN),
        run(" on a ", 1.0),
        run("hill", 0.5),
        run(", sun, ", 1.0),
        run("star", 1.0 * UP * UP * UP),
        run(".", 1.0));
  }

  @Test
  void weightOneMergesIntoThePlainText() {
    check("(red:1.0) heart", run("red heart", 1.0));
    assertTrue(PromptAttention.isPlain(PromptAttention.parse("a (red:1.0) heart")));
    assertEquals(
        PromptAttention.parse("a red heart").get(0).text(),
        PromptAttention.parse("a (red:1.0) heart").get(0).text());
  }

  @Test
  void adjacentRunsOfEqualWeightMerge() {
    check("(one)(two)", run("onetwo", UP));
    check("(p)(q) [r][s]", run("pq", UP), run(" ", 1.0), run("rs", DOWN));
  }

  @Test
  void unclosedBracketsReachTheEndAndStrayClosersAreText() {
    check("(never closed", run("never closed", UP));
    check("[never closed", run("never closed", DOWN));
    check("(open [both", run("open ", UP), run("both", 1.0 * UP * DOWN));
    check("a) b] c", run("a) b] c", 1.0));
    check("stray :1.3) here", run("stray :1.3) here", 1.0));
    check("(x:abc)", run("x:abc", UP));
    // Interleaved: ')' closes the '(' over "a[b", then ']' the '[' over "bc".
    check("(a[b)c]", run("a", UP), run("b", UP * DOWN), run("c", DOWN));
  }

  @Test
  void escapesAreLiteralAndALoneBackslashIsDropped() {
    check("\\(x\\) \\[y\\] \\\\", run("(x) [y] \\", 1.0));
    check("odd\\ slash", run("odd slash", 1.0));
    check("\\((x)", run("(", 1.0), run("x", UP));
  }

  @Test
  void breakIsAMarkerOutsideBracketsOnly() {
    List<Run> runs = PromptAttention.parse("x BREAK y");
    assertEquals(List.of(run("x", 1.0), Run.BREAK, run("y", 1.0)), runs);
    assertTrue(runs.get(1).isBreak());
    assertFalse(PromptAttention.isPlain(runs));
    check("BREAK", run("", 1.0), Run.BREAK, run("", 1.0));
    check("BREAKS and aBREAK and break", run("BREAKS and aBREAK and break", 1.0));
    check("a\nBREAK\tb", run("a", 1.0), Run.BREAK, run("b", 1.0));
    List<Run> inside = PromptAttention.parse("(x BREAK y)");
    assertEquals(List.of(run("x", UP), run("BREAK", -1.0 * UP), run("y", UP)), inside);
    assertFalse(inside.get(1).isBreak(), "A1111 scales the marker, so it is no break any more");
  }

  @Test
  void extraNetworkTagsStayInTheText() {
    check("<lora:emoji:0.8> (heart:1.2)", run("<lora:emoji:0.8> ", 1.0), run("heart", 1.2));
  }

  @Test
  void aWeightThatIsNotANumberIsRefusedWithASentence() {
    EngineException e =
        assertThrows(EngineException.class, () -> PromptAttention.parse("(a:1.2.3)"));
    assertTrue(e.getMessage().startsWith("The emphasis weight in \":1.2.3)\""), e.getMessage());
    assertTrue(e.getMessage().endsWith("."), e.getMessage());
    assertThrows(EngineException.class, () -> PromptAttention.parse(null));
  }
}
