/**
 * The demo's Java service for `npm start`: a tiny stock-inventory HTTP
 * service with a warm cache on its heap and a few named threads, so
 * `dump heap demo-java` and `dump threads demo-java` have a real JVM to dump.
 *   java -Xmx256m demo/java/DemoInventory.java <port>
 */
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

public class DemoInventory {
    /** About 40 MiB of stock records: something for a heap dump to show. */
    static final Map<String, long[]> STOCK = new HashMap<>();
    static final AtomicLong SYNCS = new AtomicLong();

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18083;
        for (int i = 0; i < 20_000; i++) STOCK.put("SKU-" + i, new long[256]);

        Thread sync = new Thread(() -> {
            while (true) {
                SYNCS.incrementAndGet();
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "inventory-warehouse-sync");
        sync.setDaemon(true);
        sync.start();

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> new Thread(r, "inventory-http")));
        server.createContext("/", exchange -> {
            byte[] body = ("ok " + STOCK.size() + " SKUs, " + SYNCS.get() + " syncs\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("demo inventory listening on 127.0.0.1:" + port);
    }
}
