package dev.stepwise.engine.pack;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pack's optional {@code prompts.txt}, or the same gzipped as {@code prompts.txt.gz} (how the
 * built-in pack ships it): prompts the model knows (for the built-in model, the captions it was
 * trained on), one a line, UTF-8. Stepwise's own addition to the diffusers layout; other packs
 * simply have none.
 *
 * <p>The file is untrusted: over {@link #MAX_BYTES} (once unzipped), damaged or not UTF-8 it gives
 * no ideas (logged once); blank lines, lines over {@link #MAX_LINE} characters or with control
 * characters are skipped, duplicates dropped, and at most {@link #MAX_IDEAS} are kept.
 */
public final class PromptIdeas {
  /** The file name in the pack folder. */
  public static final String FILE = "prompts.txt";

  /** The gzipped file name, read when {@link #FILE} is absent. */
  public static final String GZ_FILE = "prompts.txt.gz";

  static final long MAX_BYTES = 2L << 20;
  static final int MAX_LINE = 300;
  static final int MAX_IDEAS = 50_000;

  private static final Logger LOG = LoggerFactory.getLogger(PromptIdeas.class);

  private PromptIdeas() {}

  /** The prompt ideas of the pack in {@code packRoot}, in file order; empty when it has none. */
  public static List<String> read(Path packRoot) {
    Path file = packRoot.resolve(FILE);
    boolean gzipped = false;
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      file = packRoot.resolve(GZ_FILE);
      gzipped = true;
    }
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return List.of();
      }
      byte[] bytes = gzipped ? gunzip(file) : small(file);
      if (bytes == null) {
        LOG.warn(
            "{} is over {} bytes; no prompt ideas are offered for this model", file, MAX_BYTES);
        return List.of();
      }
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
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

  /** The file's bytes, or null when it is over {@link #MAX_BYTES}. */
  private static byte[] small(Path file) throws IOException {
    return Files.size(file) > MAX_BYTES ? null : Files.readAllBytes(file);
  }

  /** The unzipped bytes, or null when they would be over {@link #MAX_BYTES} (a zip bomb). */
  private static byte[] gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
      return bytes.length > MAX_BYTES ? null : bytes;
    }
  }
}
