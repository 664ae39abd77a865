package dev.stepwise.cli;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sends native writes to file descriptor 2 into the log file while Java's {@code System.err} keeps
 * the terminal. libtorch prints warnings straight to fd 2 (on some CPUs "Could not initialize
 * NNPACK! Reason: Unsupported hardware." at every convolution) and neither DJL nor an environment
 * variable set from Java silences them; the CLI's stderr must carry only its one-line messages.
 *
 * <p>Linux only (it needs /proc/self/fd); elsewhere nothing changes.
 */
final class NativeStderr {
  private static final int O_WRONLY = 1;
  private static final int O_CREAT = 0100;
  private static final int O_APPEND = 02000;

  private NativeStderr() {}

  /**
   * Whether file descriptor {@code fd} is a terminal (libc's isatty); where that cannot be asked,
   * whether the JVM has a console (stdin and stdout both terminals).
   */
  static boolean isTerminal(int fd) {
    try {
      return NativeLibrary.getInstance("c").getFunction("isatty").invokeInt(new Object[] {fd}) == 1;
    } catch (RuntimeException | LinkageError e) {
      return System.console() != null;
    }
  }

  /** Bytes written with libc's write(2) to one descriptor, retried until all are written. */
  static final class FdOutputStream extends OutputStream {
    private final Function write;
    private final int fd;

    FdOutputStream(Function write, int fd) {
      this.write = write;
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      byte[] rest = Arrays.copyOfRange(b, off, off + len);
      while (rest.length > 0) {
        long n = write.invokeLong(new Object[] {fd, rest, (long) rest.length});
        if (n <= 0) {
          throw new IOException("write to file descriptor " + fd + " failed");
        }
        rest = Arrays.copyOfRange(rest, (int) n, rest.length);
      }
    }
  }

  /** Moves native fd 2 to {@code logFile}; returns false (and changes nothing) where it cannot. */
  static boolean redirect(Path logFile) {
    if (!Files.isDirectory(Path.of("/proc/self/fd"))) {
      return false;
    }
    try {
      NativeLibrary libc = NativeLibrary.getInstance("c");
      Function dup = libc.getFunction("dup");
      Function dup2 = libc.getFunction("dup2");
      Function open = libc.getFunction("open");
      int saved = dup.invokeInt(new Object[] {2});
      if (saved < 0) {
        return false;
      }
      // Written through the duplicated descriptor itself, not a reopened /proc/self/fd path: a
      // reopened file gets its own offset, so with `2> file` the shell's or a wrapper's later
      // writes (`/usr/bin/time -v`, `echo >&2`) landed over Stepwise's lines.
      PrintStream terminal =
          new PrintStream(
              new FdOutputStream(libc.getFunction("write"), saved), true, StandardCharsets.UTF_8);
      int log =
          open.invokeInt(new Object[] {logFile.toString(), O_WRONLY | O_CREAT | O_APPEND, 0644});
      if (log < 0 || dup2.invokeInt(new Object[] {log, 2}) < 0) {
        return false;
      }
      System.setErr(terminal);
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
