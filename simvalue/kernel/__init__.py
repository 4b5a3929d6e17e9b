"""The engine's floor, under the step kinds (steps/) and the engine: items and events, record buffers, batched draws."""
