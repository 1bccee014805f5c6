"""XMP packets: read one with the standard library, set or fill properties, and write it back.

Only the properties we set are replaced; every other property, namespace and prefix of the packet is
kept (ElementTree drops prefixes, so the packet is written by our own small serializer with the prefixes
the packet declared).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": RDF,
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
_LANG = f"{{{XML}}}lang"
_DESCRIPTION = f"{{{RDF}}}Description"
_LI = f"{{{RDF}}}li"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ATTR_ENTITIES = {**_ENTITIES, '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def clean(text: str) -> str:
    """Drop characters XML cannot carry and surrounding whitespace."""
    return _INVALID_XML.sub("", text).strip()


def tag(name: str) -> str:
    """Return the ElementTree tag of a prefixed name such as "dc:title"."""
    prefix, local = name.split(":", 1)
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _escape(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in text)


class XmpPacket:
    """One XMP packet as an element tree plus the namespace prefixes it declared."""

    def __init__(self, packet: bytes | None = None) -> None:
        """Parse `packet` (ValueError when it is not XMP), or start an empty packet."""
        self.prefixes: dict[str, str] = {}
        if packet is None:
            self.root = ET.Element(tag("x:xmpmeta"))
            ET.SubElement(ET.SubElement(self.root, tag("rdf:RDF")), _DESCRIPTION, {f"{{{RDF}}}about": ""})
            return
        root: ET.Element | None = None
        try:
            for event, item in ET.iterparse(io.BytesIO(packet.strip(b"\x00 \r\n\t")), events=("start", "start-ns")):
                if event == "start-ns":
                    prefix, uri = item
                    if prefix and uri not in self.prefixes:
                        self.prefixes[uri] = prefix
                elif root is None:
                    root = item
        except ET.ParseError as exc:
            raise ValueError(f"unreadable XMP packet: {exc}") from exc
        if root is None or (root.tag != tag("rdf:RDF") and root.find(tag("rdf:RDF")) is None):
            raise ValueError("the XMP packet has no rdf:RDF element")
        if root.tag == tag("rdf:RDF"):  # a bare RDF packet gets the standard wrapper
            wrapper = ET.Element(tag("x:xmpmeta"))
            wrapper.append(root)
            root = wrapper
        self.root = root

    @property
    def _rdf(self) -> ET.Element:
        rdf = self.root.find(tag("rdf:RDF"))
        assert rdf is not None  # checked when parsed
        return rdf

    def _descriptions(self) -> list[ET.Element]:
        return self._rdf.findall(_DESCRIPTION)

    def has(self, name: str) -> bool:
        """Return True when any rdf:Description carries the property (as element or attribute)."""
        key = tag(name)
        return any(d.find(key) is not None or key in d.attrib for d in self._descriptions())

    def _replace(self, name: str) -> ET.Element:
        """Remove every copy of the property and return a fresh element for it in the first Description."""
        key = tag(name)
        for description in self._descriptions():
            description.attrib.pop(key, None)
            for old in description.findall(key):
                description.remove(old)
        descriptions = self._descriptions()
        target = descriptions[0] if descriptions else ET.SubElement(self._rdf, _DESCRIPTION, {f"{{{RDF}}}about": ""})
        return ET.SubElement(target, key)

    def set_alt(self, name: str, text: str) -> None:
        """Set a language alternative (x-default only)."""
        alt = ET.SubElement(self._replace(name), tag("rdf:Alt"))
        ET.SubElement(alt, _LI, {_LANG: "x-default"}).text = clean(text)

    def set_list(self, name: str, items: Iterable[str], kind: str = "Bag") -> None:
        """Set an unordered (Bag) or ordered (Seq) list of texts."""
        container = ET.SubElement(self._replace(name), tag(f"rdf:{kind}"))
        for item in items:
            ET.SubElement(container, _LI).text = clean(item)

    def set_text(self, name: str, text: str) -> None:
        """Set a simple text property."""
        self._replace(name).text = clean(text)

    def text(self, name: str) -> str:
        """Return a simple, or the x-default (else first) alternative's, text ("" when absent)."""
        return next(iter(self.texts(name, prefer_default=True)), "")

    def texts(self, name: str, prefer_default: bool = False) -> list[str]:
        """Return every text of a property: its list items, or its own text, or its attribute value."""
        key = tag(name)
        for description in self._descriptions():
            if key in description.attrib:
                return [description.attrib[key]]
            prop = description.find(key)
            if prop is None:
                continue
            items = prop.findall(f".//{_LI}")
            if not items:
                return [prop.text or ""] if (prop.text or "").strip() else []
            if prefer_default:
                items = [i for i in items if i.get(_LANG) == "x-default"] or items
            return [i.text or "" for i in items]
        return []

    def to_bytes(self) -> bytes:
        """Serialize the packet with its original prefixes inside the xpacket wrapper."""
        uris = {self._uri(t) for e in self.root.iter() for t in (e.tag, *e.attrib)} - {"", XML}
        prefixes = self._assign_prefixes(uris)
        declarations = "".join(f' xmlns:{prefixes[u]}="{_escape(u, _ATTR_ENTITIES)}"' for u in sorted(uris))
        out: list[str] = []
        self._write(self.root, prefixes, out, declarations)
        return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + "".join(out)
                + '\n<?xpacket end="w"?>').encode()

    @staticmethod
    def _uri(name: str) -> str:
        return name[1:].split("}", 1)[0] if name.startswith("{") else ""

    def _assign_prefixes(self, uris: set[str]) -> dict[str, str]:
        """Give each namespace the packet's prefix, else the usual one, else a new one; never two alike."""
        usual = {uri: prefix for prefix, uri in NAMESPACES.items()}
        chosen: dict[str, str] = {XML: "xml"}
        for uri in sorted(uris, key=lambda u: (u not in self.prefixes, u)):
            prefix = self.prefixes.get(uri) or usual.get(uri) or "ns"
            candidate, n = prefix, 1
            while candidate in chosen.values():
                candidate, n = f"{prefix}{n}", n + 1
            chosen[uri] = candidate
        return chosen

    def _write(self, element: ET.Element, prefixes: dict[str, str], out: list[str], extra: str = "") -> None:
        def qname(name: str) -> str:
            uri = self._uri(name)
            return f"{prefixes[uri]}:{name.split('}', 1)[1]}" if uri else name

        attrs = "".join(f' {qname(k)}="{_escape(v, _ATTR_ENTITIES)}"' for k, v in element.attrib.items())
        out.append(f"<{qname(element.tag)}{extra}{attrs}")
        if len(element) == 0 and not element.text:
            out.append("/>")
        else:
            out.append(">" + _escape(element.text or "", _ENTITIES))
            for child in element:
                self._write(child, prefixes, out)
            out.append(f"</{qname(element.tag)}>")
        out.append(_escape(element.tail or "", _ENTITIES))
