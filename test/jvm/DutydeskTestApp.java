/**
 * The Java service of the dump tests and bench: keeps the given number of
 * MiB of random (incompressible) bytes alive on its heap and runs a named
 * thread, so a heap dump has a known size and a thread dump a known thread.
 *   java -Xmx<heap> test/jvm/DutydeskTestApp.java <MiB> --marker=<id>
 */
import java.util.Random;

public class DutydeskTestApp {
    static volatile Object keep;

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        // Quarter-MiB blocks: G1 stores 1 MiB arrays as "humongous" objects taking
        // whole regions, so a 1 GiB heap of them would not fit in 1.3 GiB.
        byte[][] blocks = new byte[mib * 4][];
        Random random = new Random(42);
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new byte[256 * 1024];
            random.nextBytes(blocks[i]);
        }
        keep = blocks;
        Thread worker = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "dutydesk-test-worker");
        worker.start();
        System.out.println("dutydesk-test-app ready");
        worker.join();
    }
}
