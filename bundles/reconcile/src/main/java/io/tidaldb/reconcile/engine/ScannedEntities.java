package io.tidaldb.reconcile.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entities the initiator fingerprinted in the HASHES of one (shard, tenant), kept for the
 * session: the WANTED fingerprints of the answer are then found by one pass over these arrays
 * instead of a second scan of the store (which would hash every state again). Not thread-safe.
 */
final class ScannedEntities {
  private final List<String> typeNames = new ArrayList<>();
  private final Map<String, Integer> typeIndex = new HashMap<>();
  private long[] fps = new long[64];
  private long[] entities = new long[64];
  private int[] types = new int[64];
  private int size;
  private String lastType;
  private int lastTypeIndex = -1;

  void add(long fp, String type, long entity) {
    if (size == fps.length) {
      fps = Arrays.copyOf(fps, size * 2);
      entities = Arrays.copyOf(entities, size * 2);
      types = Arrays.copyOf(types, size * 2);
    }
    if (!type.equals(lastType)) {
      Integer i = typeIndex.get(type);
      if (i == null) {
        i = typeNames.size();
        typeNames.add(type);
        typeIndex.put(type, i);
      }
      lastTypeIndex = i;
      lastType = type;
    }
    fps[size] = fp;
    entities[size] = entity;
    types[size] = lastTypeIndex;
    size++;
  }

  int size() {
    return size;
  }

  long fingerprint(int i) {
    return fps[i];
  }

  long entity(int i) {
    return entities[i];
  }

  String type(int i) {
    return typeNames.get(types[i]);
  }
}
