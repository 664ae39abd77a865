package dev.stepwise.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Ctrl+C (SIGINT) during a long command: instead of the JVM's default (exit at once, whatever is
 * half done), {@code onInterrupt} runs, once, on the signal's thread, and the command finishes its
 * own way (generate cancels its job within one step, keeps the finished images and exits 130). A
 * second Ctrl+C exits at once with 130.
 *
 * <p>The handler is JDK 17's {@code sun.misc.Signal} (module jdk.unsupported, open to every class
 * path program without flags), reached by reflection so that the build has no internal-API warning.
 * Where it is missing (a JVM without jdk.unsupported), a shutdown hook stands in: on Ctrl+C the JVM
 * then exits 130 on its own, the hook running {@code onInterrupt} and {@code whenHooked} first
 * (with {@code -Xrs} the JVM leaves SIGINT to the system, and neither runs). A shell that started
 * the program with SIGINT ignored (a background job of a non-interactive script) keeps it ignored:
 * the JVM installs no handler then.
 */
final class Interrupt implements AutoCloseable {
  /** The exit code of a command stopped by Ctrl+C: 128 + SIGINT's number 2, as shells report it. */
  static final int EXIT_CODE = 130;

  private final Runnable onInterrupt;
  private volatile boolean interrupted;
  private Object signal;
  private Object previous;
  private Method handle;
  private Thread hook;

  private Interrupt(Runnable onInterrupt) {
    this.onInterrupt = onInterrupt;
  }

  /**
   * Installs the handler until {@link #close}.
   *
   * @param onInterrupt what a Ctrl+C does (cancel the job); must return quickly
   * @param whenHooked what the shutdown hook runs after {@code onInterrupt} when no signal handler
   *     could be installed (wait for the job to end and report); the JVM exits after it
   */
  static Interrupt install(Runnable onInterrupt, Runnable whenHooked) {
    Interrupt i = new Interrupt(onInterrupt);
    if (!i.trySignal()) {
      i.hook =
          new Thread(
              () -> {
                i.fire();
                whenHooked.run();
              },
              "stepwise-interrupt");
      Runtime.getRuntime().addShutdownHook(i.hook);
    }
    return i;
  }

  /** Whether Ctrl+C was pressed. */
  boolean interrupted() {
    return interrupted;
  }

  /** Whether a signal handler (not the shutdown-hook fallback) is installed. */
  boolean viaSignal() {
    return signal != null;
  }

  private boolean trySignal() {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object sig = signalClass.getConstructor(String.class).newInstance("INT");
      Object handler =
          Proxy.newProxyInstance(
              handlerClass.getClassLoader(),
              new Class<?>[] {handlerClass},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "handle" -> {
                      signalled();
                      yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "Stepwise's Ctrl+C handler";
                  });
      Method h = signalClass.getMethod("handle", signalClass, handlerClass);
      previous = h.invoke(null, sig, handler);
      handle = h;
      signal = sig;
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Logging.log().info("no SIGINT handler ({}); a shutdown hook stands in", e.toString());
      return false;
    }
  }

  private void signalled() {
    if (interrupted) {
      Logging.log().info("second Ctrl+C: exiting at once");
      Runtime.getRuntime().exit(EXIT_CODE);
    }
    fire();
  }

  private void fire() {
    if (interrupted) {
      return;
    }
    interrupted = true;
    Logging.log().info("Ctrl+C: stopping the command");
    onInterrupt.run();
  }

  /** Restores the previous handler (or removes the hook). */
  @Override
  public void close() {
    if (signal != null) {
      try {
        handle.invoke(null, signal, previous);
      } catch (ReflectiveOperationException | RuntimeException e) {
        Logging.log().info("the previous SIGINT handler could not be restored", e);
      }
      signal = null;
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook is running
      }
      hook = null;
    }
  }
}
