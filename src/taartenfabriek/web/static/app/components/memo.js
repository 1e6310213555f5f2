// Preact's `memo` lives in preact/compat, which we do not ship; this is the same idea:
// skip re-rendering when every prop is identical (Object.is), which keeps big lists cheap.
import { Component } from 'preact';

export function memo(render) {
  class Memo extends Component {
    shouldComponentUpdate(next) {
      const keys = Object.keys(next);
      if (keys.length !== Object.keys(this.props).length) return true;
      return keys.some((key) => key !== 'children' && !Object.is(next[key], this.props[key]));
    }

    render(props) {
      return render(props);
    }
  }
  Memo.displayName = `Memo(${render.name || 'component'})`;
  return Memo;
}
