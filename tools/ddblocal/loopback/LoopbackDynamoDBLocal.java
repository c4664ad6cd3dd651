// DynamoDB Local, listening on 127.0.0.1 only.
//
// DynamoDB Local has no option for the address it binds: its ServerRunner
// builds a Jetty server from a port alone, which listens on every interface,
// where anyone on the network could read and write the tables (the emulator
// accepts any signature). This launcher builds the same server from the same
// command line (ServerRunner.createServerFromCommandLineArgs), sets the host
// of its Jetty connectors to 127.0.0.1 before anything listens, and starts it.
// Java runs it as a single source file (java -cp DynamoDBLocal.jar <this file>
// <DynamoDB Local's arguments>): nothing is compiled ahead.
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server server = (Server) f.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local has no connector to bind to 127.0.0.1");
        }
        for (Connector c : connectors) {
            if (!(c instanceof ServerConnector)) {
                throw new IllegalStateException("DynamoDB Local's connector is a " + c.getClass().getName() + ", which cannot be bound to 127.0.0.1");
            }
            ((ServerConnector) c).setHost("127.0.0.1");
        }
        proxy.start();
    }
}
