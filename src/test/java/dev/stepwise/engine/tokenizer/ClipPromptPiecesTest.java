package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.prompt.PromptAttention;
import dev.stepwise.engine.prompt.PromptChunks;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** CLIP's pieces, windows and comma for A1111's chunks. */
class ClipPromptPiecesTest {

  @Test
  void aPieceInAWindowIsTheEncodedPrompt() {
    ClipBpeTokenizer clip = ClipMerges.tokenizer();
    String prompt = "A photo of an Astronaut, riding a horse!";
    int[] piece = clip.tokenizePiece(prompt).ids();
    assertArrayEquals(clip.encode(prompt).ids(), clip.window(piece));
    assertEquals(75, clip.contentCapacity());
    assertEquals(1, clip.contentOffset());
    assertEquals(clip.id(",</w>"), clip.commaId());
    assertTrue(clip.commaId() >= 0);
    assertTrue(PromptChunks.chunked(clip));
  }

  @Test
  void aCommaNearTheChunkEndMovesTheWordsAfterItToTheNextChunk() {
    ClipBpeTokenizer clip = ClipMerges.tokenizer();
    // 70 "cat", a comma, 10 "(dog)": chunk 1 ends with the comma, chunk 2 holds the dogs.
    String prompt =
        String.join(" ", Collections.nCopies(70, "cat"))
            + ", "
            + String.join(" ", Collections.nCopies(10, "(dog)"));
    PromptChunks c = PromptChunks.of(clip, PromptAttention.parse(prompt));
    assertEquals(2, c.windows().size());
    assertEquals(clip.commaId(), c.windows().get(0)[71]);
    assertEquals(clip.eosId(), c.windows().get(0)[72]);
    int dog = clip.tokenizePiece("dog").ids()[0];
    assertEquals(dog, c.windows().get(1)[1]);
    assertEquals(1.1f, c.weights().get(1)[10]);
    assertEquals(clip.eosId(), c.windows().get(1)[11]);
    PromptChunks without = PromptChunks.of(clip, PromptAttention.parse(prompt), 0);
    assertEquals(dog, without.windows().get(0)[75], "without backtrack the chunk is filled");
  }
}
