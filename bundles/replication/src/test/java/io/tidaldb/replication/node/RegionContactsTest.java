package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionContactsTest {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  @Test
  void shouldAnswerTheTimeSinceTheLastFrameFromEachRegion() {
    RegionContacts contacts = new RegionContacts(R0, List.of(R0, R1, R2));
    assertEquals(0, contacts.ageNanos(R0, 100), "this region itself");
    assertEquals(-1, contacts.ageNanos(R1, 100), "never heard");
    contacts.heard(R1, 1_000);
    contacts.heard(R2, 1_500);
    contacts.heard(R1, 2_000);
    assertEquals(500, contacts.ageNanos(R1, 2_500));
    assertEquals(1_000, contacts.ageNanos(R2, 2_500));
    assertEquals(-1, contacts.ageNanos(RegionId.of(7), 2_500), "not a region of the cluster");
    contacts.heard(RegionId.of(7), 2_500); // ignored
    assertEquals(-1, contacts.ageNanos(RegionId.of(7), 2_600));
  }
}
