package io.tidaldb.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.tenancy.TenantQuotas;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The registry merge is a join: commutative, associative, idempotent; deletion absorbs. */
class TenantRegistryLawsTest {

  @Property
  void mergeIsCommutative(
      @ForAll("registries") TenantRegistry a, @ForAll("registries") TenantRegistry b) {
    assertEquals(b.merge(a), a.merge(b));
  }

  @Property
  void mergeIsAssociative(
      @ForAll("registries") TenantRegistry a,
      @ForAll("registries") TenantRegistry b,
      @ForAll("registries") TenantRegistry c) {
    assertEquals(a.merge(b.merge(c)), a.merge(b).merge(c));
  }

  @Property
  void mergeIsIdempotent(
      @ForAll("registries") TenantRegistry a, @ForAll("registries") TenantRegistry b) {
    assertEquals(a, a.merge(a));
    TenantRegistry ab = a.merge(b);
    assertEquals(ab, ab.merge(b));
    assertEquals(ab, ab.merge(a));
  }

  @Property
  void aDeletionIsNeverUndoneByAMerge(
      @ForAll("registries") TenantRegistry a, @ForAll("registries") TenantRegistry b) {
    TenantRegistry ab = a.merge(b);
    for (TenantEntry e : a.entries()) {
      if (e.deleted()) {
        assertTrue(ab.get(e.name()).deleted(), e.name());
      }
    }
  }

  @Property
  void digestsOfEqualRegistriesAreEqual(
      @ForAll("registries") TenantRegistry a, @ForAll("registries") TenantRegistry b) {
    assertEquals(RegistryFormat.digest(b.merge(a)), RegistryFormat.digest(a.merge(b)));
  }

  @Property
  void encodingRoundTrips(@ForAll("registries") TenantRegistry a) {
    List<TenantEntry> entries = new ArrayList<>(a.entries());
    assertEquals(
        a,
        TenantRegistry.of(
            RegistryFormat.decodeEntries(
                RegistryFormat.encode(RegistryFormat.KIND_STATE, entries))));
  }

  @Provide
  Arbitrary<TenantRegistry> registries() {
    return entries().list().ofMaxSize(6).map(TenantRegistry::of);
  }

  private Arbitrary<TenantEntry> entries() {
    Arbitrary<String> names = Arbitraries.of("a", "b", "c", "d");
    Arbitrary<Long> millis = Arbitraries.longs().between(0, 5);
    Arbitrary<Integer> regions = Arbitraries.integers().between(0, 2);
    Arbitrary<TenantQuotas> quotas =
        Combinators.combine(
                Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(0, 3))
            .as(TenantQuotas::new);
    Arbitrary<Long> deleted =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.just(TenantEntry.NOT_DELETED)),
            net.jqwik.api.Tuple.of(1, millis));
    return Combinators.combine(names, millis, regions, millis, regions, quotas, deleted, regions)
        .as(
            (n, cm, cr, qm, qr, q, dm, dr) ->
                new TenantEntry(n, cm, cr, qm, qr, q, dm, dm == TenantEntry.NOT_DELETED ? 0 : dr));
  }
}
