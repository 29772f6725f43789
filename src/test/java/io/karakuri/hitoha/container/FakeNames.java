package io.karakuri.hitoha.container;

import io.karakuri.dns.Zone;
import io.karakuri.net.Subnet;
import io.quarkus.test.Mock;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.function.Function;

/** The name servers for the API tests: what would be served, and the zones they would answer from. */
@Mock
@Singleton
public class FakeNames implements NameService {
    volatile Map<String, Subnet> served = Map.of();
    volatile Function<String, Zone> zones;

    @Override
    public void serve(Map<String, Subnet> networks, Function<String, Zone> zones) {
        this.served = Map.copyOf(networks);
        this.zones = zones;
    }

    @Override
    public void close() {
        served = Map.of();
    }
}
