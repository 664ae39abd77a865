package dev.stepwise.engine.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pack's optional {@code prompts.txt}: prompts the model knows (for the built-in model, the
 * captions it was trained on), one a line, UTF-8. Stepwise's own addition to the diffusers layout;
 * other packs simply have none.
 *
 * <p>The file is untrusted: over {@link #MAX_BYTES} or not UTF-8 it gives no ideas (logged once);
 * blank lines, lines over {@link #MAX_LINE} characters or with control characters are skipped,
 * duplicates dropped, and at most {@link #MAX_IDEAS} are kept.
 */
public final class PromptIdeas {
  /** The file name in the pack folder. */
  public static final String FILE = "prompts.txt";

  static final long MAX_BYTES = 2L << 20;
  static final int MAX_LINE = 300;
  static final int MAX_IDEAS = 50_000;

  private static final Logger LOG = LoggerFactory.getLogger(PromptIdeas.class);

  private PromptIdeas() {}

  /** The prompt ideas of the pack in {@code packRoot}, in file order; empty when it has none. */
  public static List<String> read(Path packRoot) {
    Path file = packRoot.resolve(FILE);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return List.of();
      }
      if (Files.size(file) > MAX_BYTES) {
        LOG.warn(
            "{} is over {} bytes; no prompt ideas are offered for this model", file, MAX_BYTES);
        return List.of();
      }
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
      Set<String> ideas = new LinkedHashSet<>();
      for (String line : text.split("\n", -1)) {
        String idea = line.strip();
        if (!idea.isEmpty()
            && idea.length() <= MAX_LINE
            && idea.chars().noneMatch(Character::isISOControl)) {
          ideas.add(idea);
          if (ideas.size() == MAX_IDEAS) {
            break;
          }
        }
      }
      return List.copyOf(new ArrayList<>(ideas));
    } catch (CharacterCodingException e) {
      LOG.warn("{} is not UTF-8 text; no prompt ideas are offered for this model", file);
      return List.of();
    } catch (IOException e) {
      LOG.warn("Cannot read {}; no prompt ideas are offered for this model", file, e);
      return List.of();
    }
  }
}
