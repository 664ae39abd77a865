package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
  @TempDir Path dir;

  @Test
  void listsAnA1111FolderWithShortHashesAndRefusesPickles() throws Exception {
    Path webui = dir.resolve("webui");
    Path ckpt = webui.resolve("models/Stable-diffusion/mine.safetensors");
    Files.createDirectories(ckpt.getParent());
    byte[] bytes = "not really weights".getBytes();
    Files.write(ckpt, bytes);
    Files.write(webui.resolve("models/Stable-diffusion/old.ckpt"), new byte[4]);
    String autoV2 =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
            .substring(0, 10);
    StringWriter out = new StringWriter();
    int code =
        Main.run(
            new String[] {"models", "--root", webui.toString(), "--hash"},
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true));
    assertEquals(0, code);
    String text = out.toString();
    assertTrue(text.contains("(AUTOMATIC1111 layout)"), text);
    assertTrue(text.contains("checkpoints (") && text.contains("): 2"), text);
    assertTrue(text.contains("mine  0.0 MB  hash " + autoV2), text);
    assertTrue(text.contains("old  not opened: old.ckpt is a pickle file"), text);
    assertTrue(text.contains("LoRA (") && text.contains("): none"), text);
  }

  @Test
  void aRootThatIsNoFolderIsOneSentence() throws Exception {
    Path file = Files.writeString(dir.resolve("models.txt"), "x");
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {"models", "--root", file.toString()},
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));
    assertEquals(2, code);
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    assertTrue(err.toString().contains("is not a folder"), err.toString());
  }
}
