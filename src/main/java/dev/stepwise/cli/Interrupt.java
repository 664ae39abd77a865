package dev.stepwise.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Ctrl+C during a command: {@code onInterrupt} runs once, on the signal's thread, and the command
 * ends its own way (exit 130); a second Ctrl+C exits at once. JDK 17's {@code sun.misc.Signal},
 * reached by reflection (no internal-API warning); where it is missing, a shutdown hook runs {@code
 * onInterrupt} and {@code whenHooked} as the JVM exits. SIGINT ignored at start (a background job
 * of a script) stays ignored.
 */
final class Interrupt implements AutoCloseable {
  static final int EXIT_CODE = 130; // 128 + SIGINT, as shells report it

  private final Runnable onInterrupt;
  private volatile boolean interrupted;
  private Object signal;
  private Object previous;
  private Method handle;
  private Thread hook;

  private Interrupt(Runnable onInterrupt) {
    this.onInterrupt = onInterrupt;
  }

  static Interrupt install(Runnable onInterrupt, Runnable whenHooked) {
    Interrupt i = new Interrupt(onInterrupt);
    try {
      Class<?> sigClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object sig = sigClass.getConstructor(String.class).newInstance("INT");
      Object handler =
          Proxy.newProxyInstance(
              handlerClass.getClassLoader(),
              new Class<?>[] {handlerClass},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "handle" -> {
                      if (i.interrupted) {
                        Runtime.getRuntime().exit(EXIT_CODE);
                      }
                      i.fire();
                      yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "stepwise Ctrl+C";
                  });
      i.handle = sigClass.getMethod("handle", sigClass, handlerClass);
      i.previous = i.handle.invoke(null, sig, handler);
      i.signal = sig;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Logging.log().info("no SIGINT handler ({}); a shutdown hook stands in", e.toString());
      i.hook =
          new Thread(
              () -> {
                i.fire();
                whenHooked.run();
              });
      Runtime.getRuntime().addShutdownHook(i.hook);
    }
    return i;
  }

  boolean interrupted() {
    return interrupted;
  }

  private synchronized void fire() {
    if (!interrupted) {
      interrupted = true;
      Logging.log().info("Ctrl+C: stopping the command");
      onInterrupt.run();
    }
  }

  /** Restores the previous handler, or removes the hook. */
  @Override
  public void close() {
    try {
      if (signal != null) {
        handle.invoke(null, signal, previous);
      } else if (hook != null) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      Logging.log().info("the SIGINT handler could not be restored", e); // or the JVM is exiting
    }
  }
}
